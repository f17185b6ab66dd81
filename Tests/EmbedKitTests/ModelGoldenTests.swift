import EmbedKitCompute
import EmbedKitFormats
import Foundation
import EmbedKitModels
import EmbedKitPipeline
import Testing

/// The Models + Pipeline layers against the goldens, fed the golden token ids (no tokenizer involved).
@Suite struct ModelGoldenTests {
    @Test(.enabled(if: Fixtures.hasMiniLM, "needs ../shared/fixtures/all-MiniLM-L6-v2"))
    func realMiniLM() throws {
        try sentenceEmbeddingsFromGoldenIDs("all-MiniLM-L6-v2")
        try batchedEqualsSingle("all-MiniLM-L6-v2")
    }

    @Test(arguments: Fixtures.tiny)
    func sentenceEmbeddingsFromGoldenIDs(_ name: String) throws {
        let folder = try #require(Fixtures.folder(name), "fixture \(name) not found")
        let golden = try Fixtures.golden(folder)
        let pipeline = try SentenceTransformer(folder: folder, threads: 2)
        var worst: Float = 0
        for c in golden.cases + golden.short_max_len {
            let ids = try #require(c.input_ids)
            let out = try pipeline.forward([ids])
            let diff = Fixtures.maxAbsDiff(out.sentenceEmbeddings[0], c.embedding)
            worst = max(worst, diff)
            #expect(diff <= 1e-4, "\(name): \(c.text.prefix(40)) differs by \(diff)")
        }
        print("\(name): worst |Δ| over \(golden.cases.count + golden.short_max_len.count) golden embeddings = \(worst)")
    }

    @Test(arguments: Fixtures.tiny)
    func batchedEqualsSingle(_ name: String) throws {
        let folder = try #require(Fixtures.folder(name), "fixture \(name) not found")
        let golden = try Fixtures.golden(folder)
        let pipeline = try SentenceTransformer(folder: folder, threads: 2)
        let cases = Array(golden.cases.prefix(12))
        let out = try pipeline.forward(cases.map { $0.input_ids! })
        for (i, c) in cases.enumerated() {
            #expect(Fixtures.maxAbsDiff(out.sentenceEmbeddings[i], c.embedding) <= 1e-4, "\(name) batch row \(i)")
        }
    }
}
