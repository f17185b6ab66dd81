import EmbedKit
import EmbedKitServer
import Foundation
import Testing

/// Every encoder family served: OpenAI's and TEI's routes give each fixture's sentence-transformers goldens
/// (L2-normalized, as both routes answer by default), so the server adds nothing of its own to any family
/// (long inputs are left to the library's tests).
@Suite(.serialized) struct ModelFamilyEndpointTests {
    @Test(arguments: ["jina-v2-tiny-en", "dmeta-tiny", "xlmr-tiny", "mpnet-tiny", "nomic-tiny", "modernbert-tiny", "qwen3-tiny"])
    func servesTheGoldens(_ name: String) async throws {
        let golden = try Fixtures.golden(name)
        let cases = golden.cases.filter { !$0.text.isEmpty && $0.input_ids.count <= 64 }
        #expect(cases.count >= 10)
        let h = try await ServerHarness.start { try await Fixtures.Cache.shared.model(name) }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()

        let openAI = try await h.post("/v1/embeddings", json: ["input": cases.map(\.text), "model": name])
        #expect(openAI.status == 200, "\(name): \(openAI.text.prefix(200))")
        let data = try #require((try openAI.json() as? [String: Any])?["data"] as? [[String: Any]])
        let tei = try await h.post("/embed", json: ["inputs": cases.map(\.text)])
        #expect(tei.status == 200, "\(name): \(tei.text.prefix(200))")
        let rows = try #require(try tei.json() as? [Any])
        #expect(data.count == cases.count && rows.count == cases.count)
        for (i, c) in cases.enumerated() {
            let norm = c.embedding.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let expected = c.embedding.map { $0 / norm }
            let v = try #require(floats(data[i]["embedding"])), w = try #require(floats(rows[i]))
            #expect(maxAbsDiff(v, expected) < 1e-4, "\(name) /v1/embeddings: \(c.text.prefix(30))")
            #expect(maxAbsDiff(w, expected) < 1e-4, "\(name) /embed: \(c.text.prefix(30))")
        }
    }
}
