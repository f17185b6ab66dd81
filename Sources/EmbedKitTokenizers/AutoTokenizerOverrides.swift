import Foundation

/// What transformers' Fast tokenizer classes change in tokenizer.json when `AutoTokenizer` builds them.
///
/// `BertTokenizerFast` and its relatives rebuild a `BertNormalizer` whose `lowercase`, `strip_accents`
/// or `handle_chinese_chars` disagree with the class's arguments (`do_lower_case` defaults to true when
/// tokenizer_config.json is silent); RoBERTa-, GPT-2-style classes do the same for `add_prefix_space`
/// (and `trim_offsets`) on the pre-tokenizer and post-processor. sentence-transformers loads through
/// `AutoTokenizer`, so these rewrites decide the ids it feeds the model. They are applied to the JSON
/// of tokenizer.json before its components are built, as transformers applies them to the components'
/// states. The class comes from tokenizer_config.json's `tokenizer_class`, else from config.json's
/// `model_type`, as `AutoTokenizer` picks it; `PreTrainedTokenizerFast` changes nothing.
enum AutoTokenizerOverrides {
    /// The part of a Fast class's `__init__` that rewrites tokenizer.json components.
    enum Family: Equatable {
        /// `BertNormalizer` flags; `chineseChars`: the class also passes `tokenize_chinese_chars`.
        case bertNormalizer(chineseChars: Bool)
        /// The pre-tokenizer's `add_prefix_space`, and with `postProcessor` the post-processor's
        /// `add_prefix_space` and `trim_offsets` (default true).
        case byteLevel(defaultPrefixSpace: Bool, postProcessor: Bool)
    }

    /// Fast classes by name without the `Fast` suffix (transformers 4.44).
    static let classes: [String: Family] = {
        var t: [String: Family] = [:]
        for n in ["Bert", "ConvBert", "DistilBert", "Electra", "Funnel", "LayoutLM", "Lxmert", "MobileBert",
                  "SqueezeBert", "Realm", "RetriBert", "DPRQuestionEncoder", "DPRContextEncoder", "DPRReader"] {
            t[n + "Tokenizer"] = .bertNormalizer(chineseChars: true)
        }
        for n in ["MPNet", "RoFormer", "LayoutLMv2", "Splinter"] { t[n + "Tokenizer"] = .bertNormalizer(chineseChars: false) }
        for n in ["Roberta", "Bart", "Blenderbot", "LED", "Longformer", "Mvp"] {
            t[n + "Tokenizer"] = .byteLevel(defaultPrefixSpace: false, postProcessor: true)
        }
        t["LayoutLMv3Tokenizer"] = .byteLevel(defaultPrefixSpace: true, postProcessor: true)
        for n in ["GPT2", "CodeGen", "Deberta", "GPTNeoX", "Whisper"] {
            t[n + "Tokenizer"] = .byteLevel(defaultPrefixSpace: false, postProcessor: false)
        }
        return t
    }()

    /// config.json `model_type` → the tokenizer class `AutoTokenizer` uses when tokenizer_config.json
    /// names none (the models whose class rewrites components).
    static let classByModelType: [String: String] = {
        var t: [String: String] = [:]
        for m in ["bert", "align", "bark", "blip", "bros", "chinese_clip", "ernie", "git", "grounding-dino",
                  "megatron-bert", "nezha", "qdqbert", "tvp", "vilt", "visual_bert"] { t[m] = "BertTokenizer" }
        let named: [(String, String)] = [
            ("convbert", "ConvBert"), ("distilbert", "DistilBert"), ("electra", "Electra"), ("funnel", "Funnel"),
            ("layoutlm", "LayoutLM"), ("lxmert", "Lxmert"), ("mobilebert", "MobileBert"), ("squeezebert", "SqueezeBert"),
            ("realm", "Realm"), ("retribert", "RetriBert"), ("dpr", "DPRQuestionEncoder"), ("mpnet", "MPNet"),
            ("roformer", "RoFormer"), ("layoutlmv2", "LayoutLMv2"), ("splinter", "Splinter"),
            ("bart", "Bart"), ("blenderbot", "Blenderbot"), ("led", "LED"), ("longformer", "Longformer"), ("mvp", "Mvp"),
            ("layoutlmv3", "LayoutLMv3"), ("lilt", "LayoutLMv3"), ("codegen", "CodeGen"), ("phi", "CodeGen"),
            ("deberta", "Deberta"), ("whisper", "Whisper"),
        ]
        for (m, n) in named { t[m] = n + "Tokenizer" }
        for m in ["roberta", "bridgetower", "clap", "data2vec-text", "ibert", "mega", "mra", "roberta-prelayernorm"] {
            t[m] = "RobertaTokenizer"
        }
        for m in ["gpt2", "blip-2", "dbrx", "gpt_bigcode", "gpt_neo", "gptj", "instructblip", "instructblipvideo",
                  "opt", "starcoder2"] { t[m] = "GPT2Tokenizer" }
        for m in ["gpt_neox", "mamba", "mamba2", "mpt", "olmo", "rwkv", "stablelm"] { t[m] = "GPTNeoXTokenizer" }
        return t
    }()

    /// The Fast class `AutoTokenizer` would build: tokenizer_config's `tokenizer_class` (with or without
    /// `Fast`), else the class of config.json's `model_type`.
    static func family(tokenizerConfig: [String: Any], modelType: String?) -> Family? {
        if let name = tokenizerConfig["tokenizer_class"] as? String {
            let base = name.hasSuffix("Fast") ? String(name.dropLast(4)) : name
            return classes[base]
        }
        return modelType.flatMap { classByModelType[$0] }.flatMap { classes[$0] }
    }

    /// A tokenizer_config flag as the class receives it: the value when it is a bool, else `fallback`.
    private static func flag(_ config: [String: Any], _ key: String, _ fallback: Bool?) -> Bool? {
        if let v = config[key], !(v is NSNull), let b = v as? Bool { return b }
        return fallback
    }

    /// A component's JSON value as Python's `state.get(key, default)` sees it (JSON null is None).
    private static func state(_ d: [String: Any], _ key: String, default value: Bool?) -> Bool?? {
        guard let v = d[key] else { return .some(value) }
        if v is NSNull { return .some(nil) }
        guard let b = v as? Bool else { return nil }   // not a flag: transformers would compare unequal
        return .some(b)
    }

    /// Sets `values` on `d` when any of them differs from what `d` holds (missing keys count as equal).
    private static func rewrite(_ d: inout [String: Any], _ values: [(String, Bool?)]) -> Bool {
        let differs = values.contains { key, value in
            guard let held = state(d, key, default: value) else { return true }
            return held != value
        }
        guard differs else { return false }
        for (key, value) in values { d[key] = value.map { $0 as Any } ?? NSNull() }
        return true
    }

    /// Applies the class's rewrites to the root object of tokenizer.json.
    static func apply(to root: inout [String: Any], tokenizerConfig: [String: Any], modelType: String?) {
        guard let family = family(tokenizerConfig: tokenizerConfig, modelType: modelType) else { return }
        switch family {
        case .bertNormalizer(let chinese):
            guard var normalizer = root["normalizer"] as? [String: Any] else { return }
            var values: [(String, Bool?)] = [
                ("lowercase", flag(tokenizerConfig, "do_lower_case", true)),
                ("strip_accents", flag(tokenizerConfig, "strip_accents", nil)),
            ]
            if chinese { values.append(("handle_chinese_chars", flag(tokenizerConfig, "tokenize_chinese_chars", true))) }
            if rewrite(&normalizer, values) { root["normalizer"] = normalizer }
        case .byteLevel(let defaultPrefix, let post):
            let prefix = flag(tokenizerConfig, "add_prefix_space", defaultPrefix)
            if var pre = root["pre_tokenizer"] as? [String: Any], rewrite(&pre, [("add_prefix_space", prefix)]) {
                root["pre_tokenizer"] = pre
            }
            guard post, var processor = root["post_processor"] as? [String: Any] else { return }
            var changed = rewrite(&processor, [("add_prefix_space", prefix)])
            changed = rewrite(&processor, [("trim_offsets", flag(tokenizerConfig, "trim_offsets", true))]) || changed
            if changed { root["post_processor"] = processor }
        }
    }
}
