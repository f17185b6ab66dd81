import Foundation

/// The fields of a Hugging Face `config.json` that the encoders use.
public struct TransformerConfig: Sendable {
    /// Which forward pass the checkpoint needs, detected from the config (not from a hub name).
    public enum Architecture: String, Sendable {
        /// BERT: learned absolute positions, GELU feed-forward.
        case bert = "BertModel"
        /// JinaBERT: symmetric ALiBi, GEGLU feed-forward (jina-embeddings-v2 small-en, base-zh, base-de).
        case jinaBert = "JinaBert"
        /// XLM-RoBERTa (multilingual-e5, bge-m3, bge-reranker): BERT's layers, one token type, position
        /// ids counted from `padding_idx + 1` (`positionOffset`), weights under `roberta.` in task heads.
        case xlmRoberta = "XLMRobertaModel"
        /// MPNet (all-mpnet-base-v2): BERT-like layers, a learned bias per relative-position bucket and
        /// head in attention, positions from `padding_idx + 1`, no token types.
        case mpnet = "MPNetModel"
        /// NomicBERT (nomic-embed-text-v1/v1.5): BERT's post-LayerNorm layers without biases, rotary
        /// positions, a SwiGLU feed-forward; GPT-2 field names in config.json.
        case nomicBert = "NomicBertModel"
        /// ModernBERT (gte-modernbert, modernbert-embed): pre-LayerNorm layers without biases, rotary
        /// positions (θ per layer kind), GEGLU, every third layer global and the others local (a window).
        case modernBert = "ModernBertModel"
        /// Qwen3 (Qwen3-Embedding): decoder layers (causal attention, pre-RMSNorm, RMSNorm on each head
        /// of Q and K), rotary positions, grouped-query attention, SwiGLU; last-token pooling.
        case qwen3 = "Qwen3Model"

        /// How token positions enter the model.
        public enum PositionScheme: Sendable {
            /// Learned absolute position embeddings added to the token embeddings.
            case learned
            /// A symmetric ALiBi bias −slope·|i − j| in attention.
            case alibi
            /// Rotary embeddings applied to Q and K in every layer.
            case rotary
        }

        public var positionScheme: PositionScheme {
            switch self {
            case .jinaBert: return .alibi
            case .nomicBert, .modernBert, .qwen3: return .rotary
            case .bert, .xlmRoberta, .mpnet: return .learned
            }
        }

        /// Learned absolute position embeddings (BERT, XLM-RoBERTa, MPNet).
        public var hasPositionEmbeddings: Bool { positionScheme == .learned }

        /// The family and its position scheme, as `embedkit info` and refusals name them.
        public var description: String {
            switch self {
            case .bert: return "BERT (learned absolute positions)"
            case .jinaBert: return "JinaBERT (symmetric ALiBi, GEGLU)"
            case .xlmRoberta: return "XLM-RoBERTa (learned positions from padding_idx + 1)"
            case .mpnet: return "MPNet (relative position buckets, learned positions from padding_idx + 1)"
            case .nomicBert: return "NomicBERT (rotary positions, SwiGLU)"
            case .modernBert: return "ModernBERT (rotary positions, pre-norm, GEGLU, global and sliding-window layers)"
            case .qwen3: return "Qwen3 (decoder: causal attention, rotary positions, RMSNorm, grouped-query attention, SwiGLU)"
            }
        }
    }

    public var architecture: Architecture
    public var hiddenSize: Int
    public var layers: Int
    public var heads: Int
    public var intermediateSize: Int
    public var vocabularySize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabularySize: Int
    public var layerNormEps: Float
    public var modelMaxLength: Int?
    public var torchDType: String?
    /// The position id of a sequence's first token: 0 for BERT; `padding_idx + 1` for (XLM-)RoBERTa,
    /// whose position ids count from there (so 514 position embeddings hold 512 tokens).
    public var positionOffset: Int = 0
    /// MPNet: buckets of the relative-position attention bias (0: none).
    public var relativeAttentionBuckets: Int = 0
    /// Rotary families: the base θ of the rotary frequencies (ModernBERT: of its global layers).
    public var rotaryBase: Float = 10_000
    /// Whether LayerNorms have a bias (ModernBERT's `norm_bias`; every other family: yes).
    public var normBias = true
    /// ModernBERT: its local layers, which attend within a window and have their own rotary base.
    public var localAttention: LocalAttention?

    /// Layers that see only nearby keys.
    public struct LocalAttention: Sendable {
        /// The local layers' indices.
        public var layers: Set<Int>
        /// Keys at most this many positions away, either side.
        public var radius: Int
        public var rotaryBase: Float
    }

    /// The prefix a task head (`…ForSequenceClassification`, `…ForMaskedLM`) puts on the encoder's weights.
    public var weightPrefix: String {
        switch architecture {
        case .xlmRoberta: return "roberta."
        case .mpnet: return "mpnet."
        case .bert, .jinaBert, .nomicBert: return "bert."
        case .modernBert, .qwen3: return "model."
        }
    }

    /// The most tokens a sequence can have: the position embeddings past the offset; nil for ALiBi and
    /// rotary positions (the sentence-transformers max_seq_length bounds those).
    public var usablePositions: Int? {
        architecture.hasPositionEmbeddings ? maxPositionEmbeddings - positionOffset : nil
    }

    /// Qwen3: `head_dim` when it is not hidden_size / heads.
    public var headDimension: Int?
    /// Grouped-query attention: key/value heads (nil: as many as query heads).
    public var keyValueHeads: Int?

    public var headDim: Int { headDimension ?? hiddenSize / heads }
    public var kvHeads: Int { keyValueHeads ?? heads }

    /// Reads and validates `config.json` in `folder`.
    public static func load(folder: URL) throws -> TransformerConfig {
        let url = folder.appendingPathComponent("config.json")
        let file = url.path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ModelError.missingFile(file)
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelError.invalidConfig(file: file, reason: "not a JSON object")
        }
        return try parse(json, file: file)
    }

    public static func parse(_ json: [String: Any], file: String) throws -> TransformerConfig {
        let modelType = json["model_type"] as? String ?? ""
        let architectures = json["architectures"] as? [String] ?? []
        let family = try EncoderFamilies.resolve(modelType: modelType, architectures: architectures, json: json, file: file)
        let json = family.canonicalFields(json)
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if let n = json[key] as? NSNumber { return n.intValue }
            if let value { return value }
            throw ModelError.invalidConfig(file: file, reason: "missing integer '\(key)'")
        }
        let hidden = try int("hidden_size")
        let heads = try int("num_attention_heads")
        guard hidden > 0, heads > 0 else {
            throw ModelError.invalidConfig(file: file, reason: "hidden_size and num_attention_heads must be positive")
        }
        var config = TransformerConfig(
            architecture: family.architecture,
            hiddenSize: hidden,
            layers: try int("num_hidden_layers"),
            heads: heads,
            intermediateSize: try int("intermediate_size"),
            vocabularySize: try int("vocab_size"),
            maxPositionEmbeddings: try int("max_position_embeddings", default: 512),
            typeVocabularySize: try int("type_vocab_size", default: 2),
            layerNormEps: Float((json["layer_norm_eps"] as? NSNumber)?.doubleValue ?? 1e-12),
            modelMaxLength: (json["model_max_length"] as? NSNumber)?.intValue,
            torchDType: json["torch_dtype"] as? String ?? json["dtype"] as? String
        )
        try family.configure(&config, json: json, file: file)
        guard config.headDimension != nil || hidden % heads == 0 else {
            throw ModelError.invalidConfig(file: file, reason: "hidden_size \(hidden) is not a multiple of num_attention_heads \(heads)")
        }
        if config.architecture.positionScheme == .rotary, config.headDim <= 0 || config.headDim % 2 != 0 {
            throw ModelError.invalidConfig(file: file, reason: "rotary positions need an even, positive head dimension, not \(config.headDim)")
        }
        guard config.layers > 0, config.intermediateSize > 0, config.vocabularySize > 0 else {
            throw ModelError.invalidConfig(file: file, reason: "num_hidden_layers, intermediate_size and vocab_size must be positive")
        }
        return config
    }
}
