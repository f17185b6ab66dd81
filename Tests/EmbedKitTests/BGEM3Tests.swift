import EmbedKit
import EmbedKitTestFixtures
import Foundation
import Testing

/// bge-m3's three outputs against FlagEmbedding 1.4.2 (BGEM3FlagModel.encode over transformers 5.23.0) on
/// the tiny random-weight bge-m3 of Tests/Fixtures/bge-m3-tiny (scripts/dev/make_xlmr_fixtures.py):
/// token ids, dense vectors, lexical weights, ColBERT vectors, and the scoring helpers.
@Suite struct BGEM3Tests {
    struct Case: Decodable {
        let text: String
        let input_ids: [Int]
        let dense: [Float]
        let sparse: [String: Float]
        let colbert: [[Float]]
    }
    struct Score: Decodable {
        let query: Int
        let passage: Int
        let dense: Float
        let sparse: Float
        let colbert: Float
    }
    struct Weighted: Decodable {
        let weights: [Float]
        let dense: [Float]
        let sparse: [Float]
        let colbert: [Float]
        let sparseDense: [Float]
        let all: [Float]
        enum CodingKeys: String, CodingKey {
            case weights, dense, sparse, colbert
            case sparseDense = "sparse+dense"
            case all = "colbert+sparse+dense"
        }
    }
    struct Golden: Decodable {
        let cases: [Case]
        let scores: [Score]
        let compute_score: [Weighted]
    }

    static let folder = FixtureLocator.local("bge-m3-tiny")
    static func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent("golden.json")))
    }

    static func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
        a.count == b.count ? zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) } : .infinity
    }

    @Test func threeOutputsMatchFlagEmbedding() throws {
        let m3 = try BGEM3.load(folder: Self.folder, threads: 2)
        let golden = try Self.golden()
        let texts = golden.cases.map(\.text)
        #expect(texts.map { m3.textPreparation.tokenizer.encode($0, maxLength: 8192).ids } == golden.cases.map(\.input_ids))
        var worst: Float = 0
        for batchSize in [4, 1] {
            for (out, c) in zip(try m3.encode(texts, batchSize: batchSize), golden.cases) {
                worst = max(worst, Self.maxDiff(out.dense, c.dense))
                // Lexical weights: the same token ids (a weight at the edge of zero aside), the same values.
                let want = Dictionary(uniqueKeysWithValues: c.sparse.map { (Int($0.key)!, $0.value) })
                let have = Dictionary(uniqueKeysWithValues: zip(out.sparse.indices, out.sparse.values))
                for id in Set(want.keys).union(have.keys) {
                    let d = abs((have[id] ?? 0) - (want[id] ?? 0))
                    worst = max(worst, d)
                    #expect(d <= 1e-4 && ((have[id] == nil) == (want[id] == nil) || max(have[id] ?? 0, want[id] ?? 0) < 1e-4),
                            "\(c.text.prefix(20)) token \(id)")
                }
                #expect(out.colbert.count == c.colbert.count, "\(c.text.prefix(20)): \(out.colbert.count) colbert vectors")
                for (a, b) in zip(out.colbert, c.colbert) { worst = max(worst, Self.maxDiff(a, b)) }
            }
        }
        #expect(worst <= 1e-4)
        print("bge-m3: \(texts.count) texts, dense + sparse + colbert max |diff| to FlagEmbedding \(worst)")
    }

    @Test func scoresMatchFlagEmbeddingsHelpers() throws {
        let m3 = try BGEM3.load(folder: Self.folder, threads: 2)
        let golden = try Self.golden()
        let outs = try m3.encode(golden.cases.map(\.text))
        for s in golden.scores {
            let q = outs[s.query], p = outs[s.passage]
            #expect(abs(BGEM3.lexicalMatchingScore(q.sparse, p.sparse) - s.sparse) <= 1e-4)
            #expect(abs(BGEM3.colbertScore(query: q.colbert, passage: p.colbert) - s.colbert) <= 1e-4)
            #expect(abs(BGEM3.score(query: q, passage: p).dense - s.dense) <= 1e-4)
        }
        for w in golden.compute_score {
            for (k, s) in golden.scores.enumerated() {
                let r = BGEM3.score(query: outs[s.query], passage: outs[s.passage], weights: w.weights)
                #expect(abs(r.dense - w.dense[k]) <= 1e-4 && abs(r.sparse - w.sparse[k]) <= 1e-4 && abs(r.colbert - w.colbert[k]) <= 1e-4)
                #expect(abs(r.sparseDense - w.sparseDense[k]) <= 1e-4 && abs(r.colbertSparseDense - w.all[k]) <= 1e-4,
                        "weights \(w.weights) pair \(k)")
            }
        }
    }

    /// The dense output is the sentence-transformers model the folder also is (CLS pooling + Normalize).
    @Test func denseIsTheSentenceTransformersVector() throws {
        let m3 = try BGEM3.load(folder: Self.folder, threads: 2)
        let model = try EmbeddingModel.load(folder: Self.folder, threads: 2)
        let texts = try Self.golden().cases.prefix(6).map(\.text)
        let dense = try m3.encode(texts).map(\.dense)
        let st = try model.encode(texts)
        for (a, b) in zip(dense, st) { #expect(Self.maxDiff(a, b) <= 1e-5) }
        #expect(throws: EmbedKitError.self) { try BGEM3.load(folder: FixtureLocator.local("xlmr-tiny")) }
    }
}
