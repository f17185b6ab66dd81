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
    struct LongDocument: Decodable {
        let query: String
        let document: String
        let windows: [[Int]]
        let window_type_ids: [[Int]]
        let window_logits: [Float]
        let score: Float
    }
    struct Golden: Decodable {
        let max_length: Int
        let cases: [Case]
        let long_documents: [LongDocument]?
    }

    static let folder = FixtureLocator.local("reranker-tiny")
    static func golden(_ folder: URL = folder) throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent("golden.json")))
    }

    /// BERT's head (reranker-tiny, sentence-transformers 3.4.1) and XLM-RoBERTa's (xlmr-reranker-tiny,
    /// bge-reranker's layout; sentence-transformers 6.3.0 over transformers 5.23.0).
    @Test(arguments: ["reranker-tiny", "xlmr-reranker-tiny"])
    func scoresMatchSentenceTransformers(_ name: String) throws {
        let folder = FixtureLocator.local(name)
        let model = try CrossEncoder.load(folder: folder, threads: 2)
        let golden = try Self.golden(folder)
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
        print("cross-encoder \(name): \(golden.cases.count) pairs, max |diff| to CrossEncoder.predict \(worst)")
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

    /// A document longer than a pair holds, with `.bestChunk`: the windows HF tokenizers makes with
    /// `only_second` overflow (stride 0), each window's logit as transformers computes it, the best
    /// window's score; with `.truncate` (the default), one pair cut as `CrossEncoder.predict` cuts it.
    @Test func longDocumentsScoreTheirBestWindow() throws {
        let model = try CrossEncoder.load(folder: Self.folder, threads: 2)
        let golden = try Self.golden()
        var worst: Float = 0
        for d in golden.long_documents ?? [] {
            let inputs = try model.prepare(query: d.query, document: d.document, longDocuments: .bestChunk)
            #expect(inputs.map(\.ids) == d.windows, "windows of \(d.document.prefix(30))")
            #expect(inputs.map { $0.typeIds ?? [] } == d.window_type_ids)
            let logits = try model.forward(inputs).map { $0[0] }
            for (a, b) in zip(logits, d.window_logits) { worst = max(worst, abs(a - b)) }
            #expect(zip(logits, d.window_logits).allSatisfy { abs($0 - $1) <= 1e-4 }, "\(logits) vs \(d.window_logits)")
            let ranked = try model.rerank(query: d.query, documents: [d.document, "panda"], longDocuments: .bestChunk)
            #expect(abs(ranked[0].score - d.score) <= 1e-4)
            #expect(ranked[0].chunks == d.windows.count && !ranked[0].truncated)
            let cut = try model.rerank(query: d.query, documents: [d.document])
            #expect(cut[0].chunks == 1 && cut[0].truncated == (d.windows.count > 1))
        }
        print("best-chunk reranking: \(golden.long_documents?.count ?? 0) documents, max |diff| of window logits \(worst)")
    }

    @Test func aQueryWithNoRoomForTheDocumentIsRefused() throws {
        let model = try CrossEncoder.load(folder: Self.folder, threads: 2)
        let query = String(repeating: "熊", count: 600)
        #expect(throws: EmbedKitError.queryTooLong(tokens: 600, limit: 508)) {
            try model.prepare(query: query, document: "bamboo", longDocuments: .bestChunk)
        }
        // Cut by longest_first instead, as CrossEncoder.predict does.
        let cut = try model.prepare(query: query, document: "bamboo")
        #expect(cut.count == 1 && cut[0].ids.count == model.maxLength && cut[0].truncated)
    }

    @Test func aCrossEncoderIsNotAnEmbeddingModelNorTheReverse() throws {
        #expect(throws: EmbedKitError.self) { try EmbeddingModel.load(folder: Self.folder) }
        #expect(throws: EmbedKitError.self) { try CrossEncoder.load(folder: FixtureLocator.local("dmeta-tiny")) }
    }
}

/// Cross-encoders at reduced precision (the encoder's Linear layers; the head stays fp32): scores within
/// 0.01 of sentence-transformers' fp32 `CrossEncoder.predict` on both head families, each precision where
/// this CPU runs it fast (skipped elsewhere).
@Suite struct CrossEncoderPrecisionTests {
    static let bf16 = (try? Precision.bf16.resolved()) != nil
    static let int8 = (try? Precision.int8.resolved()) != nil

    @Test(.enabled(if: bf16, "needs AVX512-BF16 or ARM BF16"), arguments: ["reranker-tiny", "xlmr-reranker-tiny"])
    func bf16StaysWithinBudget(_ name: String) throws { try Self.check(name, .bf16) }

    @Test(.enabled(if: int8, "needs AVX2, AVX512-VNNI or the ARM dot product"), arguments: ["reranker-tiny", "xlmr-reranker-tiny"])
    func int8StaysWithinBudget(_ name: String) throws { try Self.check(name, .int8) }

    static func check(_ name: String, _ precision: Precision) throws {
        let folder = FixtureLocator.local(name)
        let golden = try CrossEncoderTests.golden(folder)
        let model = try CrossEncoder.load(folder: folder, threads: 2, precision: precision)
        #expect(model.info.precision == precision.rawValue)
        let scores = try model.predict(golden.cases.map { (query: $0.query, document: $0.document) })
        let worst = zip(scores, golden.cases).map { abs($0 - $1.score) }.max() ?? 0
        print("cross-encoder \(name) at \(precision.rawValue): max |score diff| to fp32 CrossEncoder.predict \(worst)")
        #expect(worst <= 0.01, "\(name) \(precision.rawValue): \(worst)")
        #expect(worst > 0, "\(name) \(precision.rawValue): the scores equal fp32's: the reduced path did not run")
    }
}
