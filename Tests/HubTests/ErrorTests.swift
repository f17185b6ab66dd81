import Foundation
import EmbedKitHub
import Testing

@Suite struct ErrorTests {
    @Test func unknownModelIs404() async throws {
        try await withHubFixture { f in
            let error = await #expect(throws: HubError.self) { try await f.client().snapshot("someorg/nope") }
            #expect(error == .modelNotFound(id: "someorg/nope", endpoint: f.hub.endpoint))
        }
    }

    @Test func gatedModelWithoutTokenIs401() async throws {
        try await withHubFixture { f in
            f.hub.add("gated/model", .init(commit: FakeHub.commitHash("gated"), files: try FakeHub.fixtureFiles("dmeta-tiny"), token: "hf_secret"))
            let error = await #expect(throws: HubError.self) { try await f.client().snapshot("gated/model") }
            #expect(error == .unauthorized(id: "gated/model", endpoint: f.hub.endpoint, tokenSent: false))
            #expect(error.map { "\($0)" }?.contains("HF_TOKEN") == true)
            let wrong = await #expect(throws: HubError.self) { try await f.client(token: "hf_wrong").snapshot("gated/model") }
            #expect(wrong == .unauthorized(id: "gated/model", endpoint: f.hub.endpoint, tokenSent: true))
            #expect(!FileManager.default.fileExists(atPath: f.repoFolder("gated/model").appendingPathComponent("snapshots").path))
        }
    }

    @Test func hostileSiblingNamesAreRefused() async throws {
        try await withHubFixture { f in
            for evil in ["../../evil", "/etc/passwd", "a\\..\\b", "ok//x", "./x"] {
                f.hub.add("bad/siblings", .init(commit: FakeHub.commitHash("bad"), files: try FakeHub.fixtureFiles("dmeta-tiny"), extraSiblings: [evil]))
                let error = await #expect(throws: HubError.self) { try await f.client().snapshot("bad/siblings") }
                #expect(error == .unsafePath(evil, context: "the file list of bad/siblings"))
            }
            #expect(!f.hub.requests.contains { $0.path.contains("/resolve/") })
            #expect(!FileManager.default.fileExists(atPath: f.cache.deletingLastPathComponent().appendingPathComponent("evil").path))
        }
    }

    @Test func hostileModulePathIsRefused() async throws {
        try await withHubFixture { f in
            var files = try FakeHub.fixtureFiles("dmeta-tiny")
            files["modules.json"] = Array(#"[{"idx":0,"name":"0","path":"","type":"x"},{"idx":1,"name":"1","path":"../../../evil","type":"y"}]"#.utf8)
            f.hub.add("bad/modules", .init(commit: FakeHub.commitHash("badm"), files: files))
            let error = await #expect(throws: HubError.self) { try await f.client().snapshot("bad/modules") }
            #expect(error == .unsafePath("../../../evil", context: "modules.json of bad/modules"))
        }
    }

    @Test(arguments: ["some/..", "../x", "a/b/c", "a", "org/na me", "org/a..b", "org/x@../../y", "org/x@", "org/x@a//b", "or--g/x", "/abs/x"])
    func invalidIDsAreRefusedBeforeAnyRequest(id: String) async throws {
        try await withHubFixture { f in
            let error = await #expect(throws: HubError.self) { try await f.client().snapshot(id) }
            guard case .invalidModelID = error else { Issue.record("\(id): \(String(describing: error))"); return }
            #expect(f.hub.requests.isEmpty)
        }
    }

    @Test func looksLikeModelIDSeparatesFoldersFromIDs() {
        #expect(HubClient.looksLikeModelID("jinaai/jina-embeddings-v2-small-en"))
        #expect(HubClient.looksLikeModelID("org/name@v1.0"))
        #expect(!HubClient.looksLikeModelID(FakeHub.fixtures.appendingPathComponent("dmeta-tiny").path))
        #expect(!HubClient.looksLikeModelID("./models/x"))
        #expect(!HubClient.looksLikeModelID("~/models"))
        #expect(!HubClient.looksLikeModelID("a/b/c"))
    }
}
