import EmbedKitEvaluation
import Testing

/// Retrieval over chunked documents: a document scores its best chunk (the late-chunking paper's way).
@Suite struct ChunkedRetrievalTests {
    static let data = RetrievalData(
        corpus: [.init(id: "long", text: "a long document"), .init(id: "short", text: "a short one")],
        queries: [(id: "q1", text: "first"), (id: "q2", text: "second")],
        qrels: ["q1": ["long": 1], "q2": ["long": 1]])
    static let queries: [String: [Float]] = ["first": [1, 0.2, 0], "second": [0.2, 1, 0]]

    static func cache() -> EmbeddingCache {
        EmbeddingCache { texts in texts.map { queries[$0] ?? [0, 0, 1] } }
    }

    @Test func aDocumentScoresItsBestChunk() throws {
        // "long" has one chunk per topic; "short" sits between the two queries. The mean of "long"'s
        // chunks (cosine 0.68) loses to "short" (0.83) on both queries; its best chunk (0.98) wins both.
        let chunks: [String: [[Float]]] = ["a long document": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "a short one": [[1, 1, 0]]]
        let best = try RetrievalEvaluation.evaluate(Self.data, cache: Self.cache(), chunks: { $0.map { chunks[$0]! } })
        #expect(best["ndcg_at_1"]?.double == 1)
        let means: [String: [[Float]]] = ["a long document": [[1, 1, 1]], "a short one": [[1, 1, 0]]]
        let averaged = try RetrievalEvaluation.evaluate(Self.data, cache: Self.cache(), chunks: { $0.map { means[$0]! } })
        #expect(averaged["ndcg_at_1"]?.double == 0)
    }

    @Test func malformedChunksAreRefused() {
        #expect(throws: EvaluationError.self) {
            _ = try RetrievalEvaluation.evaluate(Self.data, cache: Self.cache(), chunks: { _ in [[[1, 0, 0]]] })
        }
        #expect(throws: EvaluationError.self) {
            _ = try RetrievalEvaluation.evaluate(Self.data, cache: Self.cache(), chunks: { $0.map { _ in [] } })
        }
        #expect(throws: EvaluationError.self) {
            _ = try RetrievalEvaluation.evaluate(Self.data, cache: Self.cache(), chunks: { $0.map { _ in [[1, 0]] } })
        }
    }
}
