import EmbedKitCompute
import EmbedKitPipeline
import Testing

/// Accelerate on Apple platforms, OpenBLAS on Linux (nil when neither loads).
private let systemBLAS = CBLAS.platformLibrary()

/// Every fp32 golden through the CBLAS path (Accelerate's `cblas_sgemm` call on a Mac), here with
/// OpenBLAS: the fp16 fixtures' weights widened, the rest as stored.
@Suite(.enabled(if: systemBLAS != nil, "needs a CBLAS library (Debian: libopenblas0)"))
struct CBLASGoldenTests {
    @Test(arguments: Fixtures.hasMiniLM ? Fixtures.all : Fixtures.tiny)
    func goldensThroughCBLAS(_ name: String) throws {
        let lib = try #require(systemBLAS)
        let folder = try #require(Fixtures.folder(name), "fixture \(name) not found")
        let golden = try Fixtures.golden(folder)
        let pipeline = try CBLAS.$selection.withValue(.library(lib)) { try SentenceTransformer(folder: folder, threads: 2) }
        var worst: Float = 0
        let cases = golden.cases + golden.short_max_len
        for c in cases {
            let out = try pipeline.forward([try #require(c.input_ids)])
            let diff = Fixtures.maxAbsDiff(out.sentenceEmbeddings[0], c.embedding)
            worst = max(worst, diff)
            #expect(diff <= 1e-4, "\(name) through \(lib.library): \(c.text.prefix(40)) differs by \(diff)")
        }
        let batch = Array(golden.cases.prefix(12))
        let out = try pipeline.forward(batch.map { $0.input_ids! })
        for (i, c) in batch.enumerated() {
            #expect(Fixtures.maxAbsDiff(out.sentenceEmbeddings[i], c.embedding) <= 1e-4, "\(name) batch row \(i)")
        }
        print("\(name) through \(lib.library): worst |Δ| over \(cases.count) golden embeddings = \(worst)")
    }
}
