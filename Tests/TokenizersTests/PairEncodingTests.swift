import Foundation
import Testing
import EmbedKitTokenizers

/// Pairs (a cross-encoder's query and document) as HF tokenizers 0.19.1 encodes them with
/// `truncation="longest_first"`: one tokenizer with its TemplateProcessing, a BertProcessing and a
/// RobertaProcessing post-processor, at max lengths that take each branch of the truncation rule
/// (references: Tests/Fixtures/reranker-tiny/golden.json, scripts/dev/make_reranker_fixture.py).
@Suite struct PairEncodingTests {
    struct Case: Decodable {
        let post_processor: String
        let max_length: Int?
        let first: String
        let second: String
        let ids: [Int]
        let type_ids: [Int]
    }
    struct Golden: Decodable { let pair_tokenization: [Case] }

    static let folder = Fixtures.folder("reranker-tiny")

    /// The fixture's tokenizer.json with its post_processor replaced, in a folder of its own.
    static func tokenizer(_ postProcessor: [String: Any]?) throws -> Tokenizer {
        guard let postProcessor else { return try Tokenizer.load(from: folder) }
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("tokenizer.json"))) as? [String: Any])
        json["post_processor"] = postProcessor
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pairs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("tokenizer.json"))
        return try Tokenizer.load(from: dir)
    }

    @Test func pairsMatchHFTokenizers() throws {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Self.folder.appendingPathComponent("golden.json")))
        let tokenizers: [String: Tokenizer] = [
            "template": try Self.tokenizer(nil),
            "bert_processing": try Self.tokenizer(["type": "BertProcessing", "sep": ["[SEP]", 102], "cls": ["[CLS]", 101]]),
            "roberta_processing": try Self.tokenizer(["type": "RobertaProcessing", "sep": ["[SEP]", 102], "cls": ["[CLS]", 101],
                                                      "trim_offsets": false, "add_prefix_space": true]),
        ]
        #expect(golden.pair_tokenization.count == 120)
        for c in golden.pair_tokenization {
            let t = try #require(tokenizers[c.post_processor])
            let e = try t.encodePair(c.first, c.second, maxLength: c.max_length)
            #expect(e.ids == c.ids && e.typeIds == c.type_ids,
                    "\(c.post_processor), max \(String(describing: c.max_length)): \(c.first) | \(c.second): \(e.ids) \(e.typeIds), HF \(c.ids) \(c.type_ids)")
        }
    }

    @Test func aTokenizerWithoutAPairTemplateSaysSo() throws {
        let t = try Self.tokenizer(["type": "TemplateProcessing", "single": [["Sequence": ["id": "A", "type_id": 0]]],
                                    "special_tokens": [String: Any]()])
        #expect(throws: TokenizerError.self) { try t.encodePair("a", "b") }
    }
}
