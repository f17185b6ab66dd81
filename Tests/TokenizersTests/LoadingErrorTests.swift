import Foundation
import Testing
import EmbedKitTokenizers

/// Bad tokenizer files give a typed error naming the file and component, never a crash.
@Suite struct LoadingErrorTests {
    func folder(with json: String) throws -> URL {
        let dir = try Fixtures.temporaryFolder()
        try Data(json.utf8).write(to: dir.appendingPathComponent("tokenizer.json"))
        return dir
    }

    @Test func missingFolderHasNoTokenizer() throws {
        let dir = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: TokenizerError.fileNotFound(dir.path)) { try Tokenizer.load(from: dir) }
    }

    @Test func invalidJSON() throws {
        let dir = try folder(with: "{ not json")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try Tokenizer.load(from: dir)
            Issue.record("expected an error")
        } catch let e as TokenizerError {
            guard case .invalidFile(let file, _) = e else { Issue.record("wrong error \(e)"); return }
            #expect(file.hasSuffix("tokenizer.json"))
        }
    }

    @Test(arguments: [
        ("normalizer", #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "normalizer": {"type": "Fancy"}}"#, "Fancy"),
        ("pre_tokenizer", #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "pre_tokenizer": {"type": "Magic"}}"#, "Magic"),
        ("model", #"{"model": {"type": "Neural", "vocab": {}}}"#, "Neural"),
        ("post_processor", #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "post_processor": {"type": "Foo"}}"#, "Foo"),
        ("decoder", #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "decoder": {"type": "Bar"}}"#, "Bar"),
    ])
    func unsupportedComponent(_ kind: String, _ json: String, _ type: String) throws {
        let dir = try folder(with: json)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tokenizer.json").path
        #expect(throws: TokenizerError.unsupportedComponent(file: file, kind: kind, type: type)) { try Tokenizer.load(from: dir) }
    }

    @Test(arguments: [
        #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}"#,
        #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [1]}}"#,
        #"{"model": {"type": "WordPiece", "vocab": {"a": "x"}}}"#,
        #"{"model": {"type": "WordPiece", "vocab": {"a": 0}, "unk_token": "[UNK]"}}"#,
        #"{"model": {"type": "Unigram", "vocab": [["a"]]}}"#,
        #"{"model": {"type": "Unigram", "vocab": [["a", -1.0]], "unk_id": 5}}"#,
        #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(("}, "behavior": "Isolated"}}"#,
        #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways"}}"#,
        #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[CLS]"}}], "special_tokens": {}}}"#,
        #"[1, 2, 3]"#,
        #"{"normalizer": null}"#,
        #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "normalizer": {"type": "Precompiled", "precompiled_charsmap": "%%%"}}"#,
        #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "normalizer": {"type": "Precompiled", "precompiled_charsmap": "AAE="}}"#,
        #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "normalizer": {"type": "Precompiled", "precompiled_charsmap": "/////wAAAAA="}}"#,
    ])
    func invalidContent(_ json: String) throws {
        let dir = try folder(with: json)
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try Tokenizer.load(from: dir)
            Issue.record("expected an error for \(json)")
        } catch let e as TokenizerError {
            guard case .invalidFile(let file, let reason) = e else { Issue.record("wrong error \(e)"); return }
            #expect(file.hasSuffix("tokenizer.json"))
            #expect(!reason.isEmpty)
        }
    }

    @Test func vocabTxtWithoutUnk() throws {
        let dir = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("hello\nworld\n".utf8).write(to: dir.appendingPathComponent("vocab.txt"))
        #expect(throws: TokenizerError.self) { try Tokenizer.load(from: dir) }
    }
}
