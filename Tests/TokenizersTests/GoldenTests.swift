import Foundation
import Testing
import EmbedKitTokenizers

/// Every `input_ids` of every golden.json, as sentence-transformers produced them.
@Suite struct GoldenTests {
    static let tinyModels = ["jina-v2-tiny-en", "jina-v2-tiny-zh", "jina-v2-tiny-de", "dmeta-tiny", "zpoint-tiny"]

    func check(_ folder: URL) throws {
        let tokenizer = try Tokenizer.load(from: folder)
        let golden = try Fixtures.golden(folder)
        #expect(!golden.cases.isEmpty)
        // sentence-transformers strips each text before tokenizing.
        for c in golden.cases {
            let e = tokenizer.encode(PythonString.strip(c.text), maxLength: golden.maxSeqLength)
            #expect(e.ids == c.ids, "\(folder.lastPathComponent): \(c.text.prefix(60).debugDescription)")
            #expect(e.ids.count == e.tokens.count && e.ids.count == e.offsets.count && e.ids.count == e.typeIds.count)
        }
        for c in golden.short {
            let e = tokenizer.encode(PythonString.strip(c.text), maxLength: 16)
            #expect(e.ids == c.ids, "\(folder.lastPathComponent) (max 16): \(c.text.prefix(60).debugDescription)")
        }
        // Batch encoding gives the same ids in input order.
        let batch = tokenizer.encodeBatch(golden.cases.map { PythonString.strip($0.text) }, maxLength: golden.maxSeqLength)
        #expect(batch.count == golden.cases.count)
        for (e, c) in zip(batch, golden.cases) where e.ids != c.ids {
            Issue.record("batch differs: \(folder.lastPathComponent): \(c.text.prefix(60).debugDescription)")
        }
    }

    @Test(arguments: tinyModels)
    func tinyModelGolden(_ name: String) throws {
        try check(Fixtures.folder(name))
    }

    @Test(.enabled(if: Fixtures.shared("all-MiniLM-L6-v2") != nil, "needs ../shared/fixtures/all-MiniLM-L6-v2"))
    func allMiniLMGolden() throws {
        try check(try #require(Fixtures.shared("all-MiniLM-L6-v2")))
    }
}
