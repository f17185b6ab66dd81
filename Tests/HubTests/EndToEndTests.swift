import EmbedKit
import Foundation
import EmbedKitHub
import Testing

/// dmeta-tiny's golden.json: sentence-transformers' vectors for each text.
struct DmetaGolden: Decodable {
    struct Case: Decodable { let text: String; let input_ids: [Int]; let embedding: [Float] }
    let cases: [Case]

    /// The cases short enough for a debug build (all but the 1024-token one).
    static func load() throws -> [Case] {
        let data = try Data(contentsOf: FakeHub.fixtures.appendingPathComponent("dmeta-tiny/golden.json"))
        return try JSONDecoder().decode(DmetaGolden.self, from: data).cases.filter { $0.input_ids.count <= 128 }
    }
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Whether main's engine (tokenizer, weights, pipeline) can load the fixture at all; the end-to-end
/// checks need it and are skipped, with this reason, until it can.
enum Engine {
    static let loadsDmetaFixture: Bool = {
        (try? EmbeddingModel.load(folder: FakeHub.fixtures.appendingPathComponent("dmeta-tiny"), threads: 1)) != nil
    }()
}

@Suite struct EndToEndTests {
    /// Hub id → snapshot → EmbeddingModel gives sentence-transformers' vectors, online then offline.
    @Test(.enabled(if: Engine.loadsDmetaFixture, "the engine cannot load Tests/Fixtures/dmeta-tiny yet"))
    func modelFromTheHubGivesTheGoldenVectors() async throws {
        let cases = try DmetaGolden.load()
        try await withHubFixture { f in
            let folder = try await f.client().snapshot(HubFixture.dmetaID)
            await f.hub.stop()
            let offlineFolder = try await f.client(offline: true).snapshot(HubFixture.dmetaID)
            #expect(offlineFolder == folder)
            let model = try EmbeddingModel.load(folder: offlineFolder, modelID: HubFixture.dmetaID, threads: 1)
            let vectors = try model.encode(cases.map(\.text))
            #expect(vectors.count == cases.count)
            for (vector, golden) in zip(vectors, cases) {
                #expect(maxAbsDifference(vector, golden.embedding) < 1e-4, "\(golden.text)")
            }
        }
    }
}
