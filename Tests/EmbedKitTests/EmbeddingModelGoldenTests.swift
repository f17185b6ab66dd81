import EmbedKit
import Foundation
import Testing

/// The public API, text in, vector out, against every golden of every fixture.
@Suite struct EmbeddingModelGoldenTests {
    static let all = Fixtures.tiny + ["all-MiniLM-L6-v2"]

    static func load(_ name: String) throws -> (EmbeddingModel, Golden)? {
        guard let folder = Fixtures.folder(name) else {
            print("skipping \(name): fixture not found (../shared absent?)")
            return nil
        }
        return (try EmbeddingModel.load(folder: folder, threads: 2), try Fixtures.golden(folder))
    }

    @Test(arguments: all)
    func encodeMatchesSentenceTransformers(_ name: String) throws {
        guard let (model, golden) = try Self.load(name) else { return }
        #expect(model.info.dimension == golden.dimension)
        #expect(model.info.maxSequenceLength == golden.max_seq_length)
        #expect(model.info.normalize == golden.normalize)
        let texts = golden.cases.map(\.text)
        let ids = model.tokenize(texts)
        for (c, e) in zip(golden.cases, ids) {
            #expect(e.ids == c.input_ids, "\(name): token ids of \(c.text.prefix(40))")
        }
        let vectors = try model.encode(texts, options: EncodeOptions(batchSize: 8))
        let worst = zip(vectors, golden.cases).map { Fixtures.maxAbsDiff($0, $1.embedding) }.max() ?? 0
        #expect(worst <= 1e-4, "\(name): worst |Δ| \(worst)")
        print("\(name): encode() worst |Δ| over \(texts.count) texts = \(worst)")
    }

    @Test(arguments: all)
    func truncationToShortMaxLength(_ name: String) throws {
        guard let (model, golden) = try Self.load(name) else { return }
        let texts = golden.short_max_len.map(\.text)
        let ids = model.tokenize(texts, maxLength: 16)
        for (c, e) in zip(golden.short_max_len, ids) { #expect(e.ids == c.input_ids, "\(name): \(c.text.prefix(30))") }
        let vectors = try model.encode(texts, options: EncodeOptions(maxLength: 16))
        for (v, c) in zip(vectors, golden.short_max_len) {
            #expect(Fixtures.maxAbsDiff(v, c.embedding) <= 1e-4, "\(name): \(c.text.prefix(30))")
        }
    }

    @Test(arguments: all)
    func tokenEmbeddings(_ name: String) throws {
        guard let (model, golden) = try Self.load(name) else { return }
        let out = try model.encodeTokenEmbeddings(golden.token_embeddings.map(\.text))
        for (rows, c) in zip(out, golden.token_embeddings) {
            #expect(rows.count == c.rows.count, "\(name): token count of \(c.text.prefix(30))")
            let worst = zip(rows, c.rows).map { Fixtures.maxAbsDiff($0, $1) }.max() ?? .infinity
            #expect(worst <= 1e-4, "\(name): token embeddings of \(c.text.prefix(30)) differ by \(worst)")
        }
    }

    @Test func matryoshkaTruncation() throws {
        guard let (model, golden) = try Self.load("zpoint-tiny") else { return }
        let sets = try #require(golden.matryoshka)
        #expect(!sets.isEmpty)
        for set in sets {
            let options = EncodeOptions(normalizeEmbeddings: set.normalized, truncateDimension: set.dimensions)
            let vectors = try model.encode(set.cases.map(\.text), options: options)
            for (v, c) in zip(vectors, set.cases) {
                #expect(v.count == set.dimensions)
                #expect(Fixtures.maxAbsDiff(v, c.embedding) <= 1e-4, "k=\(set.dimensions): \(c.text.prefix(30))")
            }
        }
    }

    @Test func concurrentCallersShareOneModel() async throws {
        guard let (model, golden) = try Self.load("jina-v2-tiny-en") else { return }
        let cases = Array(golden.cases.prefix(16))
        try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (i, c) in cases.enumerated() {
                group.addTask { (i, try model.encode([c.text])[0]) }
            }
            for try await (i, v) in group {
                #expect(Fixtures.maxAbsDiff(v, cases[i].embedding) <= 1e-4)
            }
        }
    }

    @Test func similarityFunctions() {
        let a: [Float] = [1, 2, 3], b: [Float] = [2, 0, 1]
        #expect(abs(SimilarityFunction.cosine(a, b) - 5 / (14.0.squareRoot() * 5.0.squareRoot()).float) < 1e-6)
        #expect(SimilarityFunction.dot(a, b) == 5)
        #expect(abs(SimilarityFunction.euclidean(a, b) + 9.0.squareRoot().float) < 1e-6)
        #expect(SimilarityFunction.manhattan(a, b) == -5)
    }
}

private extension Double {
    var float: Float { Float(self) }
}
