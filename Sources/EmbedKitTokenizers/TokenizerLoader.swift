import Foundation

/// Reads a model folder's tokenizer files.
enum TokenizerLoader {
    static func load(from folder: URL) throws -> Tokenizer {
        let fm = FileManager.default
        let jsonURL = folder.appendingPathComponent("tokenizer.json")
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        let config = try readConfig(configURL)
        let maxLength = modelMaxLength(config)
        if fm.fileExists(atPath: jsonURL.path) {
            return try TokenizerJSON.load(jsonURL, modelMaxLength: maxLength, config: config,
                                          modelType: modelType(folder.appendingPathComponent("config.json")))
        }
        let vocabURL = folder.appendingPathComponent("vocab.txt")
        if fm.fileExists(atPath: vocabURL.path) {
            return try BertTokenizerConfig.load(vocab: vocabURL, config: config, configFile: configURL.path, modelMaxLength: maxLength)
        }
        throw TokenizerError.fileNotFound(folder.path)
    }

    /// config.json's `model_type` (which tokenizer class `AutoTokenizer` picks when tokenizer_config.json
    /// names none); nil when the file is absent or unreadable (the model loader reports that).
    static func modelType(_ url: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path),
              let d = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        return d["model_type"] as? String
    }

    static func readConfig(_ url: URL) throws -> [String: Any] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TokenizerError.invalidFile(file: url.path, reason: "cannot read the file")
        }
        guard let obj = try? JSONSerialization.jsonObject(with: data), let d = obj as? [String: Any] else {
            throw TokenizerError.invalidFile(file: url.path, reason: "not a JSON object")
        }
        return d
    }

    /// tokenizer_config `model_max_length`; values ≥ 1e12 (transformers' "no limit") give nil.
    static func modelMaxLength(_ config: [String: Any]) -> Int? {
        guard let n = config["model_max_length"] as? NSNumber else { return nil }
        let d = n.doubleValue
        guard d.isFinite, d > 0, d < 1e12 else { return nil }
        return Int(d)
    }

    /// A special token as tokenizer_config.json writes it: a string or {"content": ...}.
    static func tokenString(_ any: Any?) -> String? {
        if let s = any as? String { return s }
        if let d = any as? [String: Any], let s = d["content"] as? String { return s }
        return nil
    }
}

/// tokenizer.json.
enum TokenizerJSON {
    static func load(_ url: URL, modelMaxLength: Int?, config: [String: Any], modelType: String?) throws -> Tokenizer {
        let file = url.path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TokenizerError.invalidFile(file: file, reason: "cannot read the file")
        }
        let obj: Any
        do {
            obj = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw TokenizerError.invalidFile(file: file, reason: "not valid JSON")
        }
        guard var dict = obj as? [String: Any] else {
            throw TokenizerError.invalidFile(file: file, reason: "tokenizer.json must be a JSON object")
        }
        AutoTokenizerOverrides.apply(to: &dict, tokenizerConfig: config, modelType: modelType)
        let root = try JSONObject(dict, file: file, component: "tokenizer.json")
        guard root.has("model") else { throw root.fail("missing 'model'") }
        let normalizer = try NormalizerFactory.make(root["normalizer"], file: file)
        let preTokenizer = try PreTokenizerFactory.make(root["pre_tokenizer"], file: file)
        let model = try ModelFactory.make(root["model"], file: file)
        let post = try PostProcessorFactory.make(root["post_processor"], file: file)
        let decoder = try DecoderFactory.make(root["decoder"], file: file)
        var added: [AddedToken] = []
        for (i, item) in (try root.array("added_tokens") ?? []).enumerated() {
            let a = try JSONObject(item, file: file, component: "added_tokens[\(i)]")
            guard let id = try a.int("id"), id >= 0 else { throw a.fail("missing 'id'") }
            let special = try a.bool("special", default: false)
            let content = try a.string("content")
            if content.isEmpty { continue }
            added.append(AddedToken(id: id, content: content, special: special,
                                    singleWord: try a.bool("single_word", default: false),
                                    lstrip: try a.bool("lstrip", default: false),
                                    rstrip: try a.bool("rstrip", default: false),
                                    normalized: try a.optionalBool("normalized") ?? !special))
        }
        return Tokenizer(modelMaxLength: modelMaxLength, normalizer: normalizer, preTokenizer: preTokenizer, model: model,
                         postProcessor: post, decoder: decoder, addedTokens: added,
                         padToken: TokenizerLoader.tokenString(config["pad_token"]))
    }
}
