import EmbedKit
import EmbedKitTestFixtures
import Foundation
import Testing

/// A BERT cross-encoder against sentence-transformers' CrossEncoder.predict (3.4.1, transformers 4.44.2)
/// on the tiny random-weight reranker of Tests/Fixtures (scripts/dev/make_reranker_fixture.py).
@Suite struct CrossEncoderTests {
    struct Case: Decodable {
        let query: String
        let document: String
        let input_ids: [Int]
        let token_type_ids: [Int]
        let score: Float
        let logit: Float
    }
    struct Golden: Decodable {
        let max_length: Int
        let cases: [Case]
    }

    static let folder = FixtureLocator.local("reranker-tiny")
    static func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent("golden.json")))
    }

    @Test func scoresMatchSentenceTransformers() throws {
        let model = try CrossEncoder.load(folder: Self.folder, threads: 2)
        let golden = try Self.golden()
        #expect(model.maxLength == golden.max_length)
        for c in golden.cases {
            let e = try model.encode(query: c.query, document: c.document)
            #expect(e.ids == c.input_ids && e.typeIds == c.token_type_ids, "token ids of \(c.query.prefix(30)) | \(c.document.prefix(30))")
        }
        let pairs = golden.cases.map { (query: $0.query, document: $0.document) }
        // Batches of 3 and of 1 give the same scores (the engine never pads).
        var worst: Float = 0
        for batchSize in [3, 1] {
            let scores = try model.predict(pairs, batchSize: batchSize)
            let logits = try model.predict(pairs, rawScores: true, batchSize: batchSize)
            for (i, c) in golden.cases.enumerated() {
                #expect(abs(scores[i] - c.score) <= 1e-4, "score \(i): \(scores[i]) vs \(c.score)")
                #expect(abs(logits[i] - c.logit) <= 1e-4, "logit \(i): \(logits[i]) vs \(c.logit)")
                worst = max(worst, abs(scores[i] - c.score), abs(logits[i] - c.logit))
            }
        }
        print("cross-encoder: \(golden.cases.count) pairs, max |diff| to CrossEncoder.predict \(worst)")
    }

    @Test func rerankOrdersAndKeepsTopN() throws {
        let model = try CrossEncoder.load(folder: Self.folder, threads: 2)
        let golden = try Self.golden()
        let query = golden.cases[0].query
        let documents = golden.cases.map(\.document)
        let all = try model.rerank(query: query, documents: documents)
        #expect(all.map(\.index) == Array(documents.indices))
        let top = try model.rerank(query: query, documents: documents, topN: 3)
        let best = all.sorted { $0.score > $1.score }.prefix(3)
        #expect(top == Array(best))
        #expect(throws: EmbedKitError.self) { try model.rerank(query: query, documents: documents, topN: 0) }
    }

    @Test func aCrossEncoderIsNotAnEmbeddingModelNorTheReverse() throws {
        #expect(throws: EmbedKitError.self) { try EmbeddingModel.load(folder: Self.folder) }
        #expect(throws: EmbedKitError.self) { try CrossEncoder.load(folder: FixtureLocator.local("dmeta-tiny")) }
    }
}
