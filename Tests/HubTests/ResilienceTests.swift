import Foundation
import EmbedKitHub
import Testing

@Suite struct ResilienceTests {
    var weights: [UInt8] { get throws { try bytes(FakeHub.fixtures.appendingPathComponent("dmeta-tiny/pytorch_model.bin")) } }

    @Test func offlineUsesTheCacheWithoutTheNetwork() async throws {
        try await withHubFixture { f in
            let online = try await f.client().snapshot(HubFixture.dmetaID)
            await f.hub.stop()
            let before = f.hub.requests.count
            let offline = try await f.client(offline: true).snapshot(HubFixture.dmetaID)
            #expect(offline == online)
            #expect(f.hub.requests.count == before)
            #expect(try bytes(offline.appendingPathComponent("pytorch_model.bin")) == weights)
            // The env var switches it on, as in huggingface_hub.
            let env = HubClient(environment: ["HF_HUB_CACHE": f.cache.path, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": f.hub.endpoint])
            #expect(try await env.snapshot(HubFixture.dmetaID) == online)
            // An unreachable Hub (server gone) falls back to the cache too.
            #expect(try await f.client().snapshot(HubFixture.dmetaID) == online)
        }
    }

    @Test func offlineWithoutTheModelSaysSo() async throws {
        try await withHubFixture { f in
            let error = await #expect(throws: HubError.self) {
                try await f.client(offline: true).snapshot("someorg/absent")
            }
            #expect(error == .notInCache(id: "someorg/absent", revision: "main", cacheDirectory: f.cache.path))
            #expect(error.map { "\($0)" }?.contains("HF_HUB_OFFLINE") == true)
            #expect(f.hub.requests.isEmpty)
        }
    }

    @Test func unreachableHubWithoutCacheIsANetworkError() async throws {
        try await withHubFixture { f in
            let client = f.client()
            await f.hub.stop()
            let error = await #expect(throws: HubError.self) { try await client.snapshot(HubFixture.dmetaID) }
            guard case .network = error else { Issue.record("expected a network error, got \(String(describing: error))"); return }
        }
    }

    @Test func interruptedTransferIsResumedWithRange() async throws {
        try await withHubFixture { f in
            f.hub.cutOnceMidway("pytorch_model.bin")
            let folder = try await f.client().snapshot(HubFixture.dmetaID)
            let weights = try weights
            #expect(try bytes(folder.appendingPathComponent("pytorch_model.bin")) == weights)
            let lfs = f.hub.requests.filter { $0.path.hasPrefix("/lfs/") }
            #expect(lfs.count == 2)
            #expect(lfs.first?.range == nil)
            // The second request continues where the client's .incomplete file ended.
            let range = try #require(lfs.last?.range)
            let resumedAt = try #require(Int(range.dropFirst("bytes=".count).dropLast()))
            #expect(range == "bytes=\(resumedAt)-")
            #expect(resumedAt > 0 && resumedAt <= lfs.first!.bytesSent && resumedAt < weights.count)
            #expect(lfs.last?.bytesSent == weights.count - resumedAt)
        }
    }

    @Test func leftoverIncompleteFileIsResumed() async throws {
        try await withHubFixture { f in
            let weights = try weights
            let blobs = f.repoFolder(HubFixture.dmetaID).appendingPathComponent("blobs")
            try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
            let have = 1_000_000
            try Data(weights[0..<have]).write(to: blobs.appendingPathComponent(SHA256.hex(weights) + ".incomplete"))
            let folder = try await f.client().snapshot(HubFixture.dmetaID)
            #expect(try bytes(folder.appendingPathComponent("pytorch_model.bin")) == weights)
            let lfs = f.hub.requests.filter { $0.path.hasPrefix("/lfs/") }
            #expect(lfs.count == 1)
            #expect(lfs.first?.range == "bytes=\(have)-")
            #expect(lfs.first?.bytesSent == weights.count - have)
            #expect(!FileManager.default.fileExists(atPath: blobs.appendingPathComponent(SHA256.hex(weights) + ".incomplete").path))
        }
    }

    @Test func corruptDownloadIsDiscarded() async throws {
        try await withHubFixture { f in
            f.hub.corrupt("pytorch_model.bin")
            let error = await #expect(throws: HubError.self) { try await f.client().snapshot(HubFixture.dmetaID) }
            guard case .integrity(let file, _, _) = error else { Issue.record("expected integrity error, got \(String(describing: error))"); return }
            #expect(file == "pytorch_model.bin")
            let sha = SHA256.hex(try weights)
            let blobs = f.repoFolder(HubFixture.dmetaID).appendingPathComponent("blobs")
            #expect(!FileManager.default.fileExists(atPath: blobs.appendingPathComponent(sha).path))
            #expect(!FileManager.default.fileExists(atPath: blobs.appendingPathComponent(sha + ".incomplete").path))
        }
    }

    @Test func concurrentDownloadsKeepTheCacheIntact() async throws {
        try await withHubFixture { f in
            let a = f.client(), b = f.client()
            async let first = a.snapshot(HubFixture.dmetaID)
            async let second = b.snapshot(HubFixture.dmetaID)
            let (x, y) = try await (first, second)
            #expect(x == y)
            let fixture = FakeHub.fixtures.appendingPathComponent("dmeta-tiny")
            for file in dmetaNeeded {
                #expect(try bytes(x.appendingPathComponent(file)) == bytes(fixture.appendingPathComponent(file)), "\(file)")
            }
            // The blob lock lets only one of them fetch the weights.
            let weightsGets = f.hub.requests.filter { $0.path.hasPrefix("/lfs/") }
            #expect(weightsGets.count == 1)
            let blobs = try FileManager.default.contentsOfDirectory(atPath: f.repoFolder(HubFixture.dmetaID).appendingPathComponent("blobs").path)
            #expect(blobs.count == dmetaNeeded.count)
            #expect(!blobs.contains { $0.hasSuffix(".incomplete") })
        }
    }
}
