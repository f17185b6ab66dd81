import EmbedKit
import EmbedKitTestFixtures
import Foundation
import Testing

/// SPLADE against sentence-transformers' SparseEncoder (5.1.2, transformers 4.57.1) on the tiny
/// random-weight BertForMaskedLM of Tests/Fixtures/splade-tiny (scripts/dev/make_sparse_fixture.py):
/// token ids, every nonzero weight, the pooling variants, max_active_dims and decode.
@Suite struct SparseEncoderTests {
    struct Row: Decodable {
        let indices: [Int]
        let values: [Float]
    }
    struct Case: Decodable {
        let text: String
        let input_ids: [Int]
        let indices: [Int]
        let values: [Float]
    }
    struct Variant: Decodable {
        let pooling_strategy: String
        let activation_function: String
        let cases: [Row]
    }
    struct TopK: Decodable {
        let k: Int
        let cases: [Row]
    }
    struct Golden: Decodable {
        let max_seq_length: Int
        let dimension: Int
        let cases: [Case]
        let variants: [Variant]
        let max_active_dims: TopK
        let decoded: [[Decoded]]
    }
    /// `[token, value]`.
    struct Decoded: Decodable {
        let token: String
        let value: Float
        init(from decoder: Decoder) throws {
            var c = try decoder.unkeyedContainer()
            token = try c.decode(String.self)
            value = try c.decode(Float.self)
        }
    }

    static let folder = FixtureLocator.local("splade-tiny")
    static func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent("golden.json")))
    }

    /// The largest difference between two sparse vectors (an index missing on one side counts as 0),
    /// and whether their index sets agree except for weights below `tiny` (a logit at the edge of zero).
    static func compare(_ got: SparseVector, _ indices: [Int], _ values: [Float], tiny: Float = 1e-4) -> (Float, Bool) {
        var want: [Int: Float] = [:]
        for (i, v) in zip(indices, values) { want[i] = v }
        var have: [Int: Float] = [:]
        for (i, v) in zip(got.indices, got.values) { have[i] = v }
        var worst: Float = 0
        var same = true
        for i in Set(want.keys).union(have.keys) {
            let a = have[i] ?? 0, b = want[i] ?? 0
            worst = max(worst, abs(a - b))
            if (have[i] == nil) != (want[i] == nil) && max(a, b) >= tiny { same = false }
        }
        return (worst, same)
    }

    @Test func vectorsMatchSentenceTransformers() throws {
        let encoder = try SparseEncoder.load(folder: Self.folder, threads: 2)
        let golden = try Self.golden()
        #expect(encoder.info.dimension == golden.dimension && encoder.info.kind == .sparse)
        #expect(encoder.textPreparation.maxSequenceLength == golden.max_seq_length)
        let texts = golden.cases.map(\.text)
        #expect(try encoder.textPreparation.prepare(texts, prompt: nil).map(\.ids) == golden.cases.map(\.input_ids))
        var worst: Float = 0
        for batchSize in [3, 1] {
            let vectors = try encoder.encode(texts, batchSize: batchSize)
            for (v, c) in zip(vectors, golden.cases) {
                #expect(v.indices == v.indices.sorted())
                let (d, same) = Self.compare(v, c.indices, c.values)
                #expect(d <= 1e-4 && same, "\(c.text.prefix(30)): max |diff| \(d)")
                worst = max(worst, d)
            }
        }
        print("splade: \(texts.count) texts, \(golden.cases.map(\.indices.count)) nonzeros, max |diff| to SparseEncoder.encode \(worst)")
    }

    @Test func poolingVariantsMaxActiveDimsAndDecode() throws {
        let golden = try Self.golden()
        let texts = golden.cases.map(\.text)
        for variant in golden.variants {
            let folder = try Self.copy(pooling: ["pooling_strategy": variant.pooling_strategy, "activation_function": variant.activation_function])
            defer { try? FileManager.default.removeItem(at: folder) }
            let vectors = try SparseEncoder.load(folder: folder, threads: 2).encode(texts)
            for (v, row) in zip(vectors, variant.cases) {
                let (d, same) = Self.compare(v, row.indices, row.values)
                #expect(d <= 1e-4 && same, "\(variant.pooling_strategy)/\(variant.activation_function): max |diff| \(d)")
            }
        }
        let encoder = try SparseEncoder.load(folder: Self.folder, threads: 2)
        let top = try encoder.encode(texts, maxActiveDims: golden.max_active_dims.k)
        for (v, row) in zip(top, golden.max_active_dims.cases) {
            #expect(v.indices == row.indices, "max_active_dims \(golden.max_active_dims.k)")
        }
        for (v, decoded) in zip(try encoder.encode(texts), golden.decoded) {
            let tokens = encoder.tokens(of: v, topK: 5)
            #expect(tokens.map(\.token) == decoded.map(\.token))
            #expect(zip(tokens, decoded).allSatisfy { abs($0.value - $1.value) <= 1e-4 })
        }
    }

    @Test func aSparseEncoderIsNotAnEmbeddingModelNorTheReverse() throws {
        #expect(throws: EmbedKitError.self) { try EmbeddingModel.load(folder: Self.folder) }
        #expect(throws: EmbedKitError.self) { try SparseEncoder.load(folder: FixtureLocator.local("dmeta-tiny")) }
        let folder = try Self.copy(pooling: ["pooling_strategy": "mean"])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: EmbedKitError.self) { try SparseEncoder.load(folder: folder) }
    }

    /// The fixture with its SpladePooling config replaced, in a temporary folder of links.
    static func copy(pooling: [String: Any]) throws -> URL {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("splade-\(UUID().uuidString)")
        try fm.createDirectory(at: dir.appendingPathComponent("1_SpladePooling"), withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: folder.path) where name != "1_SpladePooling" {
            try fm.createSymbolicLink(at: dir.appendingPathComponent(name), withDestinationURL: folder.appendingPathComponent(name))
        }
        try JSONSerialization.data(withJSONObject: pooling).write(to: dir.appendingPathComponent("1_SpladePooling/config.json"))
        return dir
    }
}
