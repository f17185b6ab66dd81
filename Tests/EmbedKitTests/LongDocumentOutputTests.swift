import EmbedKit
import Foundation
import Testing

/// Several Matryoshka sizes in one call, the sizes a model declares, and late chunking of a document
/// given as its pieces (Jina's `late_chunking`), against the fixtures' golden vectors and token states.
@Suite struct LongDocumentOutputTests {
    static func load(_ name: String) throws -> (EmbeddingModel, Golden) {
        let folder = try #require(Fixtures.folder(name), "fixture \(name) not found")
        return (try EmbeddingModel.load(folder: folder, threads: 2), try Fixtures.golden(folder))
    }

    /// One call with every golden size gives, per size, the golden full vector's first k values
    /// renormalized (see EmbeddingModelGoldenTests.matryoshkaTruncation for what the goldens store).
    @Test func severalMatryoshkaSizesInOneCall() throws {
        let (model, golden) = try Self.load("zpoint-tiny")
        let sets = try #require(golden.matryoshka)
        let texts = sets[0].cases.map(\.text)
        #expect(sets.allSatisfy { $0.cases.map(\.text) == texts }, "the sets share their texts")
        let sizes = sets.map(\.dimensions) + [golden.dimension]
        let out = try model.encode(texts, dimensions: sizes, options: EncodeOptions(normalizeEmbeddings: true))
        #expect(out.count == texts.count)
        for (i, perSize) in out.enumerated() {
            #expect(perSize.map(\.count) == sizes)
            for (set, v) in zip(sets, perSize) {
                var want = Array(set.cases[i].embedding.prefix(set.dimensions))
                let norm = want.reduce(0) { $0 + $1 * $1 }.squareRoot()
                want = want.map { $0 / norm }
                #expect(Fixtures.maxAbsDiff(v, want) <= 1e-4, "k=\(set.dimensions): \(texts[i].prefix(20))")
            }
            #expect(Fixtures.maxAbsDiff(perSize.last!, sets[0].cases[i].embedding) <= 1e-4, "the full size")
        }
        #expect(throws: EmbedKitError.self) { _ = try model.encode(texts, dimensions: [0]) }
        #expect(throws: EmbedKitError.self) { _ = try model.encode(texts, dimensions: [golden.dimension + 1]) }
        #expect(throws: EmbedKitError.self) { _ = try model.encode(texts, dimensions: []) }
    }

    /// `matryoshka_dims` in a model's config limits the sizes to those (and the full width).
    @Test func declaredMatryoshkaSizesAreEnforced() throws {
        let source = try #require(Fixtures.folder("zpoint-tiny"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mrl-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let configURL = folder.appendingPathComponent("config_sentence_transformers.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        config["matryoshka_dims"] = [16, 64]
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)

        let model = try EmbeddingModel.load(folder: folder, threads: 2)
        #expect(model.info.matryoshkaDimensions == [16, 64])
        let out = try model.encode(["你好"], dimensions: [16, 64, 112])
        #expect(out[0].map(\.count) == [16, 64, 112])
        do {
            _ = try model.encode(["你好"], dimensions: [32])
            Issue.record("32 is not a declared size")
        } catch EmbedKitError.invalidField(let field, let why) {
            #expect(field == "dimensions" && why.contains("16, 64, 112"), "\(why)")
        }
        #expect(throws: EmbedKitError.self) { _ = try model.encode(["你好"], options: EncodeOptions(truncateDimension: 32)) }
    }

    /// A golden text cut into pieces at spaces: each piece's vector is the mean of the golden token
    /// states over its tokens: those that end inside it or in the space before it ([CLS] with the first, [SEP] with the last).
    @Test(arguments: ["jina-v2-tiny-en", "jina-v2-tiny-de"])
    func lateChunkPiecesAreSpanMeansOfGoldenTokenStates(_ name: String) throws {
        let (model, golden) = try Self.load(name)
        var checked = 0
        for c in golden.token_embeddings {
            let words = c.text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard words.count >= 3, words.joined(separator: " ") == c.text, !words.contains(where: \.isEmpty) else { continue }
            let cut = [0, words.count / 3, 2 * words.count / 3, words.count]
            let pieces = zip(cut, cut.dropFirst()).filter { $0 < $1 }.map { words[$0 ..< $1].joined(separator: " ") }
            let vectors = try model.encodeLateChunks(pieces)
            #expect(vectors.count == pieces.count)

            let t = model.textPreparation.encode(c.text, prompt: nil, maxLength: nil)
            var start = 0
            var bounds: [Int] = []
            for p in pieces.dropLast() {
                start += p.unicodeScalars.count  // the space after the piece
                bounds.append(t.offsets.firstIndex { ($0?.upperBound ?? -1) > start } ?? t.offsets.count)
                start += 1
            }
            let edges = [0] + bounds + [c.rows.count]
            for (k, v) in vectors.enumerated() {
                let rows = c.rows[edges[k] ..< edges[k + 1]]
                var mean = [Float](repeating: 0, count: v.count)
                for r in rows { for j in mean.indices { mean[j] += r[j] / Float(rows.count) } }
                if golden.normalize {
                    let n = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    mean = mean.map { $0 / n }
                }
                #expect(Fixtures.maxAbsDiff(v, mean) <= 1e-4, "\(name): piece \(k) of \(c.text.prefix(30))")
            }
            checked += 1
        }
        #expect(checked >= 2, "\(name): texts with at least 3 words")
        #expect(throws: EmbedKitError.self) { _ = try model.encodeLateChunks(["some text", "   "]) }
        #expect(throws: EmbedKitError.self) { _ = try model.encodeLateChunks([]) }
    }
}
