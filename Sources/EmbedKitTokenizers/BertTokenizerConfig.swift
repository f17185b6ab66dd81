import Foundation

/// A BERT tokenizer from vocab.txt + tokenizer_config.json, built as transformers' `BertTokenizerFast`
/// converts it: BertNormalizer(do_lower_case, tokenize_chinese_chars, strip_accents), BertPreTokenizer,
/// WordPiece("##", 100 chars), `[CLS] $A [SEP]`, the special tokens as non-normalized added tokens.
enum BertTokenizerConfig {
    static func load(vocab url: URL, config: [String: Any], configFile: String, modelMaxLength: Int?) throws -> Tokenizer {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TokenizerError.invalidFile(file: url.path, reason: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.invalidFile(file: url.path, reason: "not valid UTF-8")
        }
        var vocab: [String: Int] = [:]
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        for (i, line) in lines.enumerated() { vocab[line] = i }
        if vocab.isEmpty { throw TokenizerError.invalidFile(file: url.path, reason: "empty vocabulary") }

        func flag(_ key: String) throws -> Bool? {
            guard let v = config[key], !(v is NSNull) else { return nil }
            guard let b = v as? Bool else {
                throw TokenizerError.invalidFile(file: configFile, reason: "'\(key)' must be true, false or null")
            }
            return b
        }
        let lower = try flag("do_lower_case") ?? true
        let chinese = try flag("tokenize_chinese_chars") ?? true
        let strip = try flag("strip_accents")
        let normalizer = BertNormalizer(cleanText: true, handleChineseChars: chinese, stripAccents: strip, lowercase: lower)

        func special(_ key: String, _ fallback: String) -> String {
            TokenizerLoader.tokenString(config[key]) ?? fallback
        }
        let unk = special("unk_token", "[UNK]"), cls = special("cls_token", "[CLS]"), sep = special("sep_token", "[SEP]")
        let pad = special("pad_token", "[PAD]"), mask = special("mask_token", "[MASK]")
        guard vocab[unk] != nil else {
            throw TokenizerError.invalidFile(file: url.path, reason: "unk token '\(unk)' is not in the vocabulary")
        }
        guard let clsId = vocab[cls], let sepId = vocab[sep] else {
            throw TokenizerError.invalidFile(file: url.path, reason: "'\(cls)' or '\(sep)' is not in the vocabulary")
        }
        let model = WordPiece(vocab: vocab, unkToken: unk, prefix: "##", maxInputCharsPerWord: 100)

        // Special tokens in transformers' order, then tokenizer_config's added_tokens_decoder.
        var added: [AddedToken] = []
        var seen = Set<String>()
        var nextId = vocab.count
        for t in [unk, sep, pad, cls, mask] where !seen.contains(t) {
            seen.insert(t)
            let id: Int
            if let v = vocab[t] { id = v } else { id = nextId; nextId += 1 }
            added.append(AddedToken(id: id, content: t, special: true, normalized: false))
        }
        if let decoderMap = config["added_tokens_decoder"] as? [String: Any] {
            for (k, v) in decoderMap.sorted(by: { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }) {
                guard let id = Int(k), let d = v as? [String: Any], let content = d["content"] as? String, !content.isEmpty else { continue }
                let sp = (d["special"] as? Bool) ?? false
                let tok = AddedToken(id: id, content: content, special: sp,
                                     singleWord: (d["single_word"] as? Bool) ?? false,
                                     lstrip: (d["lstrip"] as? Bool) ?? false, rstrip: (d["rstrip"] as? Bool) ?? false,
                                     normalized: (d["normalized"] as? Bool) ?? !sp)
                if let i = added.firstIndex(where: { $0.content == content }) { added[i] = tok } else { added.append(tok) }
            }
        }
        let post = BertProcessing(cls: SpecialPiece(ids: [clsId], tokens: [cls]), sep: SpecialPiece(ids: [sepId], tokens: [sep]))
        return Tokenizer(modelMaxLength: modelMaxLength, normalizer: normalizer, preTokenizer: BertPreTokenizer(), model: model,
                         postProcessor: post, decoder: WordPieceDecoder(prefix: "##", cleanup: true), addedTokens: added,
                         padToken: pad)
    }
}
