import EmbedKit
import Foundation
import EmbedKitTestFixtures
import Testing

/// Text preparation without weights: transformers' tokenizer_config.json rewrites, prompts, offsets into
/// the caller's text, truncation.
@Suite struct TextPreparationTests {
    /// A copy of jina-v2-tiny-en's tokenizer files with tokenizer.json's BertNormalizer `lowercase`
    /// set to `lowercase` and the given tokenizer_config.json.
    static func tokenizerFolder(lowercase: Bool, tokenizerConfig: [String: Any], extra: [String: Any] = [:]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("embedkit-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let source = FixtureLocator.local("jina-v2-tiny-en/tokenizer.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any])
        var normalizer = try #require(json["normalizer"] as? [String: Any])
        #expect(normalizer["type"] as? String == "BertNormalizer")
        normalizer["lowercase"] = lowercase
        json["normalizer"] = normalizer
        try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("tokenizer.json"))
        try JSONSerialization.data(withJSONObject: tokenizerConfig).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        for (name, object) in extra {
            try JSONSerialization.data(withJSONObject: object).write(to: dir.appendingPathComponent(name))
        }
        return dir
    }

    static func ids(_ folder: URL, _ text: String) throws -> [Int] {
        try TextPreparation.load(folder: folder).prepare([text], prompt: nil)[0].ids
    }

    @Test func bertTokenizerClassLowercasesWhenTheConfigIsSilent() throws {
        let reference = try Self.ids(FixtureLocator.local("jina-v2-tiny-en"), "Hello World")
        // tokenizer.json says cased; BertTokenizerFast's do_lower_case defaults to true: lowercased.
        let silent = try Self.tokenizerFolder(lowercase: false, tokenizerConfig: ["tokenizer_class": "BertTokenizer"])
        defer { try? FileManager.default.removeItem(at: silent) }
        #expect(try Self.ids(silent, "Hello World") == reference)
        // The class picked from config.json's model_type does the same.
        let byType = try Self.tokenizerFolder(lowercase: false, tokenizerConfig: [:], extra: ["config.json": ["model_type": "bert"]])
        defer { try? FileManager.default.removeItem(at: byType) }
        #expect(try Self.ids(byType, "Hello World") == reference)
        // PreTrainedTokenizerFast keeps tokenizer.json as it is: cased.
        let fast = try Self.tokenizerFolder(lowercase: false, tokenizerConfig: ["tokenizer_class": "PreTrainedTokenizerFast"])
        defer { try? FileManager.default.removeItem(at: fast) }
        #expect(try Self.ids(fast, "Hello World") != reference)
        #expect(try Self.ids(fast, "hello world") == reference)
        // do_lower_case false turns an uncased tokenizer.json cased.
        let cased = try Self.tokenizerFolder(lowercase: true, tokenizerConfig: ["tokenizer_class": "BertTokenizerFast", "do_lower_case": false])
        defer { try? FileManager.default.removeItem(at: cased) }
        #expect(try Self.ids(cased, "Hello World") == (try Self.ids(fast, "Hello World")))
    }

    @Test func offsetsIndexTheTextAsSentWithPromptsAndLowercasing() throws {
        let dir = try Self.tokenizerFolder(
            lowercase: true, tokenizerConfig: ["tokenizer_class": "BertTokenizer"],
            extra: ["sentence_bert_config.json": ["max_seq_length": 64, "do_lower_case": true],
                    "config_sentence_transformers.json": ["prompts": ["query": "query: "], "default_prompt_name": "query"]])
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try TextPreparation.load(folder: dir)
        #expect(text.maxSequenceLength == 64)
        let prompt = try text.prompt()
        #expect(prompt == "query: ")
        // "İ" lowercases to two scalars (i + combining dot): offsets still index the input as sent.
        let sent = "  İstanbul has  cats"
        let e = text.encode(sent, prompt: prompt, maxLength: nil)
        let scalars = Array(sent.unicodeScalars)
        let promptTokens = e.offsets.enumerated().filter { $0.element == nil && e.encoding.specialTokensMask[$0.offset] == 0 }
        #expect(promptTokens.count == e.promptLength - 1)
        let pieces = e.offsets.compactMap { $0 }.map { String(String.UnicodeScalarView(scalars[$0])) }
        #expect(pieces.joined() == "İstanbulhascats", "\(pieces)")
        #expect(e.encoding.ids == (try text.prepare([sent], prompt: prompt)[0].ids))
    }

    @Test func truncationRightLeftAndRefusal() throws {
        let text = try TextPreparation.load(folder: FixtureLocator.local("jina-v2-tiny-en"))
        let long = String(repeating: "word ", count: 40)
        let full = try text.prepare([long], prompt: nil, maxLength: 128)[0]
        #expect(!full.truncated && full.ids.count == 42)
        let right = try text.prepare([long + "end"], prompt: nil, maxLength: 16)[0]
        #expect(right.truncated && right.ids.count == 16 && right.ids == Array(full.ids.prefix(15)) + [full.ids.last!])
        let left = try text.prepare(["start " + long], prompt: nil, maxLength: 16, truncation: .left)[0]
        #expect(left.truncated && left.ids.count == 16 && left.ids.first == full.ids.first && left.ids.last == full.ids.last)
        #expect(throws: EmbedKitError.inputTooLong(tokens: 42, limit: 16)) {
            try text.prepare([long], prompt: nil, maxLength: 16, truncation: .none)
        }
        #expect(throws: EmbedKitError.unknownToken(1 << 30, vocabularySize: text.vocabularySize)) {
            try text.prepare(tokenIDs: [101, 1 << 30, 102])
        }
        #expect(throws: EmbedKitError.invalidOption("max length must be at least 2 (got 1)")) {
            try text.prepare([long], prompt: nil, maxLength: 1)
        }
    }

    @Test func batchBudgetPlansLengthSortedPassesWithinTokensAndInputs() {
        let budget = BatchBudget(maxTokens: 10, maxInputs: 3)
        let passes = budget.passes(lengths: [4, 9, 1, 3, 12, 2, 2])
        #expect(passes == [[4], [1], [0, 3, 5], [6, 2]])
        for pass in passes where pass.count > 1 {
            #expect(pass.map { [4, 9, 1, 3, 12, 2, 2][$0] }.reduce(0, +) <= 10)
        }
    }
}
