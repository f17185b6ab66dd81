import EmbedKit
import Foundation
import Testing

/// The public API, text in, vector out, against every golden of every fixture.
@Suite struct EmbeddingModelGoldenTests {
    static func load(_ name: String) throws -> (EmbeddingModel, Golden)? {
        let folder = try #require(Fixtures.folder(name), "fixture \(name) not found")
        return (try EmbeddingModel.load(folder: folder, threads: 2), try Fixtures.golden(folder))
    }

    /// The real weights of ../shared, through every check the tiny models go through.
    @Test(.enabled(if: Fixtures.hasMiniLM, "needs ../shared/fixtures/all-MiniLM-L6-v2"))
    func realMiniLM() throws {
        try encodeMatchesSentenceTransformers("all-MiniLM-L6-v2")
        try truncationToShortMaxLength("all-MiniLM-L6-v2")
        try tokenEmbeddings("all-MiniLM-L6-v2")
    }

    @Test(arguments: Fixtures.tiny)
    func encodeMatchesSentenceTransformers(_ name: String) throws {
        guard let (model, golden) = try Self.load(name) else { return }
        #expect(model.info.dimension == golden.dimension)
        #expect(model.info.maxSequenceLength == golden.max_seq_length)
        #expect(model.info.normalize == golden.normalize)
        let texts = golden.cases.map(\.text)
        let ids = try model.tokenize(texts)
        for (c, e) in zip(golden.cases, ids) {
            #expect(e.ids == c.input_ids, "\(name): token ids of \(c.text.prefix(40))")
        }
        let vectors = try model.encode(texts, options: EncodeOptions(batchSize: 8))
        let worst = zip(vectors, golden.cases).map { Fixtures.maxAbsDiff($0, $1.embedding) }.max() ?? 0
        #expect(worst <= 1e-4, "\(name): worst |Δ| \(worst)")
        print("\(name): encode() worst |Δ| over \(texts.count) texts = \(worst)")
    }

    @Test(arguments: Fixtures.tiny)
    func truncationToShortMaxLength(_ name: String) throws {
        guard let (model, golden) = try Self.load(name) else { return }
        let texts = golden.short_max_len.map(\.text)
        let ids = try model.tokenize(texts, maxLength: 16)
        for (c, e) in zip(golden.short_max_len, ids) { #expect(e.ids == c.input_ids, "\(name): \(c.text.prefix(30))") }
        let vectors = try model.encode(texts, options: EncodeOptions(maxLength: 16))
        for (v, c) in zip(vectors, golden.short_max_len) {
            #expect(Fixtures.maxAbsDiff(v, c.embedding) <= 1e-4, "\(name): \(c.text.prefix(30))")
        }
    }

    @Test(arguments: Fixtures.tiny)
    func tokenEmbeddings(_ name: String) throws {
        guard let (model, golden) = try Self.load(name) else { return }
        let out = try model.encodeTokenEmbeddings(golden.token_embeddings.map(\.text))
        for (rows, c) in zip(out, golden.token_embeddings) {
            #expect(rows.count == c.rows.count, "\(name): token count of \(c.text.prefix(30))")
            let worst = zip(rows, c.rows).map { Fixtures.maxAbsDiff($0, $1) }.max() ?? .infinity
            #expect(worst <= 1e-4, "\(name): token embeddings of \(c.text.prefix(30)) differ by \(worst)")
        }
    }

    /// The fixtures whose config_sentence_transformers.json has prompts (multilingual-e5's "query: ",
    /// nomic's and modernbert-embed's "search_query: ", Qwen3-Embedding's instruction): encode with `promptName` as sentence-transformers does.
    @Test(arguments: ["xlmr-tiny", "nomic-tiny", "modernbert-tiny", "qwen3-tiny"])
    func namedPrompts(_ name: String) throws {
        guard let (model, golden) = try Self.load(name) else { return }
        let cases = try #require(golden.prompts, "\(name): golden.json has no prompts")
        #expect(!cases.isEmpty)
        for c in cases {
            let v = try model.encode([c.text], options: EncodeOptions(promptName: c.prompt_name))[0]
            #expect(Fixtures.maxAbsDiff(v, c.embedding) <= 1e-4, "\(name) \(c.prompt_name): \(c.text.prefix(30))")
            let plain = try model.encode([c.text])[0]
            #expect(Fixtures.maxAbsDiff(plain, c.embedding) > 1e-3, "\(name): the prompt changed nothing")
        }
    }

    /// zpoint's `matryoshka` goldens store, for each k, the full-length (112-value) L2-normalized
    /// vector (each equals normalize(full embedding) to ~7e-8), not a k-value one, although
    /// fixtures/README.md describes truncate_dim=k then L2-normalize. Matryoshka's truncate-then-
    /// normalize of the full vector equals normalize(golden[:k]), so that is what is compared; the
    /// untruncated normalized output is compared with the stored vector as is.
    @Test func matryoshkaTruncation() throws {
        guard let (model, golden) = try Self.load("zpoint-tiny") else { return }
        let sets = try #require(golden.matryoshka)
        #expect(!sets.isEmpty)
        for set in sets {
            let texts = set.cases.map(\.text)
            let truncated = try model.encode(texts, options: EncodeOptions(normalizeEmbeddings: true, truncateDimension: set.dimensions))
            let full = try model.encode(texts, options: EncodeOptions(normalizeEmbeddings: true))
            for (i, c) in set.cases.enumerated() {
                var expected = Array(c.embedding.prefix(set.dimensions))
                let norm = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
                expected = expected.map { $0 / norm }
                #expect(truncated[i].count == set.dimensions)
                #expect(Fixtures.maxAbsDiff(truncated[i], expected) <= 1e-4, "k=\(set.dimensions): \(c.text.prefix(30))")
                #expect(Fixtures.maxAbsDiff(full[i], c.embedding) <= 1e-4, "normalized full vector: \(c.text.prefix(30))")
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
