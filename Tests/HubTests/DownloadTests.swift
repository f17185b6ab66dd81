import Foundation
import EmbedKitHub
import Testing

@Suite struct DownloadTests {
    @Test func downloadBuildsTheHuggingFaceCacheLayout() async throws {
        try await withHubFixture { f in
            f.hub.add("someorg/dmeta-tiny", .init(commit: HubFixture.dmetaCommit,
                files: try FakeHub.fixtureFiles("dmeta-tiny").merging(["onnx/model.onnx": [1, 2, 3]]) { a, _ in a }))
            let folder = try await f.client().snapshot(HubFixture.dmetaID)
            let repo = f.repoFolder(HubFixture.dmetaID)
            #expect(folder.standardizedFileURL == repo.appendingPathComponent("snapshots/\(HubFixture.dmetaCommit)").standardizedFileURL)
            #expect(try String(contentsOf: repo.appendingPathComponent("refs/main"), encoding: .utf8) == HubFixture.dmetaCommit)

            let fixture = FakeHub.fixtures.appendingPathComponent("dmeta-tiny")
            for file in dmetaNeeded {
                let pointer = folder.appendingPathComponent(file)
                // Byte-identical to the fixture, through a relative symlink into blobs/.
                #expect(try bytes(pointer) == bytes(fixture.appendingPathComponent(file)), "\(file)")
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: pointer.path)
                let depth = file.split(separator: "/").count + 1
                #expect(target.hasPrefix(String(repeating: "../", count: depth) + "blobs/"), "\(file) -> \(target)")
                #expect(!target.hasPrefix("/"))
            }
            // LFS weights are named by their sha256 (the X-Linked-Etag), like huggingface_hub.
            let weights = try bytes(fixture.appendingPathComponent("pytorch_model.bin"))
            let weightsTarget = try FileManager.default.destinationOfSymbolicLink(atPath: folder.appendingPathComponent("pytorch_model.bin").path)
            #expect(weightsTarget == "../../blobs/\(SHA256.hex(weights))")

            // Only what the pipeline needs: no golden.json, no ONNX, no partial files.
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("golden.json").path))
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("onnx").path))
            #expect(!f.hub.requests.contains { $0.path.contains("golden.json") || $0.path.contains("onnx") })
            let blobs = try FileManager.default.contentsOfDirectory(atPath: repo.appendingPathComponent("blobs").path)
            #expect(blobs.count == dmetaNeeded.count)
            #expect(!blobs.contains { $0.hasSuffix(".incomplete") })
            // The weights went through the LFS redirect.
            #expect(f.hub.requests.contains { $0.method == "GET" && $0.path == "/lfs/\(SHA256.hex(weights))" })
        }
    }

    @Test func secondResolveMakesNoFileRequests() async throws {
        try await withHubFixture { f in
            let first = try await f.client().snapshot(HubFixture.dmetaID)
            let fileRequests = f.hub.fileRequests.count
            #expect(fileRequests > 0)
            let second = try await f.client().snapshot(HubFixture.dmetaID)
            #expect(first == second)
            #expect(f.hub.fileRequests.count == fileRequests)
            #expect(f.hub.requests.filter { $0.path.hasPrefix("/api/models/") }.count == 2)
        }
    }

    @Test func prefersSafetensorsAndFetchesModuleWeights() async throws {
        try await withHubFixture(dmeta: false) { f in
            var jina = try FakeHub.fixtureFiles("jina-v2-tiny-en")
            jina["pytorch_model.bin"] = [0, 1, 2, 3]        // a second format that must not be fetched
            jina["model.onnx"] = [4, 5]
            f.hub.add("jinaai/tiny", .init(commit: FakeHub.commitHash("jina"), files: jina))
            let folder = try await f.client().snapshot("jinaai/tiny")
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path))
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("pytorch_model.bin").path))
            #expect(!f.hub.requests.contains { $0.path.hasSuffix("pytorch_model.bin") || $0.path.hasSuffix(".onnx") })

            f.hub.add("zorg/zpoint-tiny", .init(commit: FakeHub.commitHash("zpoint"), files: try FakeHub.fixtureFiles("zpoint-tiny")))
            let zpoint = try await f.client().snapshot("zorg/zpoint-tiny")
            let fixture = FakeHub.fixtures.appendingPathComponent("zpoint-tiny")
            for file in ["2_Dense/config.json", "2_Dense/pytorch_model.bin", "1_Pooling/config.json", "vocab.txt", "pytorch_model.bin"] {
                #expect(try bytes(zpoint.appendingPathComponent(file)) == bytes(fixture.appendingPathComponent(file)), "\(file)")
            }
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: zpoint.appendingPathComponent("2_Dense/pytorch_model.bin").path)
                .hasPrefix("../../../blobs/"))
        }
    }

    @Test func explicitRevisionAndCommit() async throws {
        try await withHubFixture { f in
            let folder = try await f.client().snapshot("\(HubFixture.dmetaID)@\(HubFixture.dmetaCommit)")
            #expect(folder.lastPathComponent == HubFixture.dmetaCommit)
            // A commit needs no refs file.
            #expect(!FileManager.default.fileExists(atPath: f.repoFolder(HubFixture.dmetaID).appendingPathComponent("refs/main").path))
            await #expect(throws: HubError.revisionNotFound(id: HubFixture.dmetaID, revision: "v9")) {
                try await f.client().snapshot("\(HubFixture.dmetaID)@v9")
            }
        }
    }

    @Test func tokenIsSentAsBearer() async throws {
        try await withHubFixture { f in
            f.hub.add("gated/model", .init(commit: FakeHub.commitHash("gated"), files: try FakeHub.fixtureFiles("dmeta-tiny"), token: "hf_secret"))
            let folder = try await f.client(token: "hf_secret").snapshot("gated/model")
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("pytorch_model.bin").path))
            let hubRequests = f.hub.requests.filter { !$0.path.hasPrefix("/lfs/") }
            #expect(!hubRequests.isEmpty)
            #expect(hubRequests.allSatisfy { $0.authorization == "Bearer hf_secret" })
        }
    }

    @Test func tokenComesFromEnvironmentOrTokenFile() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("hubhome-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        try "hf_fromfile\n".write(to: home.appendingPathComponent("token"), atomically: true, encoding: .utf8)

        let fromFile = HubConfiguration(environment: ["HF_HOME": home.path, "HOME": "/nonexistent"])
        #expect(fromFile.token == "hf_fromfile")
        #expect(fromFile.cacheDirectory.path == home.appendingPathComponent("hub").path)
        #expect(fromFile.endpoint == "https://huggingface.co")
        #expect(!fromFile.offline)

        let fromEnv = HubConfiguration(environment: ["HF_HOME": home.path, "HF_TOKEN": "hf_env", "HF_HUB_CACHE": "/tmp/x",
                                                     "HF_ENDPOINT": "http://127.0.0.1:1/", "HF_HUB_OFFLINE": "1"])
        #expect(fromEnv.token == "hf_env")
        #expect(fromEnv.cacheDirectory.path == "/tmp/x")
        #expect(fromEnv.endpoint == "http://127.0.0.1:1")
        #expect(fromEnv.offline)

        let defaults = HubConfiguration(environment: ["HOME": "/home/someone"])
        #expect(defaults.cacheDirectory.path == "/home/someone/.cache/huggingface/hub")
        #expect(defaults.token == nil)
        #expect(HubClient.defaultModelID == "jinaai/jina-embeddings-v2-small-en")
    }
}
