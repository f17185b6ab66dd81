import EmbedKitCompute
import EmbedKitPipeline
import Testing

/// A batch split by sequence over the threads (`TransformerEncoder.forward`) against the same batch on
/// one thread, and where the cuts fall.
@Suite struct BatchSplitTests {
    static let precisions = [ComputePrecision.fp32, .bf16, .int8].filter(\.isSupported)

    @Test(arguments: Fixtures.tiny)
    func splitByThreadEqualsOneThread(_ name: String) throws {
        let folder = try #require(Fixtures.folder(name), "fixture \(name) not found")
        let ids = try Fixtures.golden(folder).cases.compactMap(\.input_ids)
        // The golden texts are enough tokens for two runs of at least minimumTokensPerThread (32).
        #expect(SequenceBatch(lengths: ids.map(\.count)).split(into: 2, minimumTokens: 32).count == 2)
        for precision in Self.precisions {
            let one = try SentenceTransformer(folder: folder, threads: 1, precision: precision).forward(ids)
            let two = try SentenceTransformer(folder: folder, threads: 2, precision: precision).forward(ids)
            #expect(one.sentenceEmbeddings.count == ids.count && two.sentenceEmbeddings.count == ids.count)
            let worst = zip(one.sentenceEmbeddings, two.sentenceEmbeddings).map { Fixtures.maxAbsDiff($0, $1) }.max() ?? 0
            let identical = one.sentenceEmbeddings == two.sentenceEmbeddings
            #expect(identical, "\(name) at \(precision): the split batch differs from one thread's by up to \(worst)")
        }
    }

    @Test func cutsBalanceTokensOverWholeSequences() {
        #expect(SequenceBatch(lengths: [5, 5, 5, 5]).split(into: 2) == [0..<2, 2..<4])
        #expect(SequenceBatch(lengths: [10, 1, 1, 1, 1, 10]).split(into: 2) == [0..<3, 3..<6])
        #expect(SequenceBatch(lengths: [100, 1, 1]).split(into: 2) == [0..<1, 1..<3])
        #expect(SequenceBatch(lengths: [1, 1, 100]).split(into: 2) == [0..<2, 2..<3])
        #expect(SequenceBatch(lengths: [3, 3, 3]).split(into: 3) == [0..<1, 1..<2, 2..<3])
        #expect(SequenceBatch(lengths: [3, 3]).split(into: 5) == [0..<1, 1..<2])
    }

    @Test func smallBatchesStayWhole() {
        #expect(SequenceBatch(lengths: []).split(into: 2) == [0..<0])
        #expect(SequenceBatch(lengths: [7, 8]).split(into: 1) == [0..<2])
        #expect(SequenceBatch(lengths: [500]).split(into: 2) == [0..<1])
        #expect(SequenceBatch(lengths: [20, 20, 20]).split(into: 2, minimumTokens: 32) == [0..<3])
        #expect(SequenceBatch(lengths: [40, 10]).split(into: 2, minimumTokens: 32) == [0..<2])
        // Three runs would leave one under the minimum: two runs instead.
        #expect(SequenceBatch(lengths: [40, 30, 30]).split(into: 3, minimumTokens: 32) == [0..<1, 1..<3])
    }
}
