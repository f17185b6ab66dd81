import Foundation
import EmbedKitHub

/// A fresh cache folder and a started FakeHub serving `someorg/dmeta-tiny`; both cleaned up afterwards.
struct HubFixture {
    let hub: FakeHub
    let cache: URL
    static let dmetaID = "someorg/dmeta-tiny"
    static let dmetaCommit = FakeHub.commitHash("dmeta-tiny")

    static func make(dmeta: Bool = true) async throws -> HubFixture {
        let hub = FakeHub()
        if dmeta {
            hub.add(dmetaID, .init(commit: dmetaCommit, files: try FakeHub.fixtureFiles("dmeta-tiny"),
                                   extraSiblings: []))
        }
        try await hub.start()
        let cache = FileManager.default.temporaryDirectory
            .appendingPathComponent("hubtests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        return HubFixture(hub: hub, cache: cache)
    }

    func client(token: String? = nil, offline: Bool = false) -> HubClient {
        HubClient(configuration: HubConfiguration(endpoint: hub.endpoint, cacheDirectory: cache, token: token, offline: offline))
    }

    func tearDown() async {
        await hub.stop()
        try? FileManager.default.removeItem(at: cache)
    }

    func repoFolder(_ id: String) -> URL {
        cache.appendingPathComponent("models--" + id.replacingOccurrences(of: "/", with: "--"))
    }
}

/// Runs `body` with a fixture, always tearing it down.
func withHubFixture(dmeta: Bool = true, _ body: (HubFixture) async throws -> Void) async throws {
    let fixture = try await HubFixture.make(dmeta: dmeta)
    do {
        try await body(fixture)
    } catch {
        await fixture.tearDown()
        throw error
    }
    await fixture.tearDown()
}

func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

/// Files the dmeta-tiny pipeline needs (everything in the fixture but golden.json).
let dmetaNeeded = [
    "config.json", "config_sentence_transformers.json", "modules.json", "sentence_bert_config.json",
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "pytorch_model.bin",
    "1_Pooling/config.json",
]
