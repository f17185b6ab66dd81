import EmbedKitCompute
import Foundation

/// ModernBERT (`model_type: modernbert`; gte-modernbert-base, modernbert-embed-base, answerdotai/ModernBERT-*):
/// pre-LayerNorm layers (none before the first layer's attention, one after the last layer: `final_norm`),
/// LayerNorms without bias (`norm_bias: false`), no biases in the projections, no token types and no position
/// embeddings: rotary positions on Q and K, and a GEGLU feed-forward (`mlp.Wi` = [input | gate], GELU on the
/// input half). Layers alternate: every `global_attn_every_n_layers`-th (from layer 0) attends to the whole
/// sequence with θ = `global_rope_theta`; the others see keys within ±`local_attention`/2 positions with θ =
/// `local_rope_theta`. config.json in either form: the Hub's (those fields) or transformers 5's (`layer_types`,
/// `rope_parameters` by layer type).
enum ModernBERT: EncoderFamily {
    static let architecture = TransformerConfig.Architecture.modernBert
    static let wordEmbeddings = "embeddings.tok_embeddings.weight"

    static func matches(modelType: String, architectures: [String], json: [String: Any]) -> Bool {
        modelType == "modernbert" || architectures.contains { $0.hasPrefix("ModernBert") }
    }

    static func canonicalFields(_ json: [String: Any]) -> [String: Any] {
        var json = json
        if let eps = json["norm_eps"] { json["layer_norm_eps"] = eps }   // transformers reads norm_eps
        return json
    }

    static func configure(_ config: inout TransformerConfig, json: [String: Any], file: String) throws {
        if let act = json["hidden_activation"] as? String, act != "gelu" {
            throw EncoderFamilies.unsupported("ModernBERT", "hidden_activation '\(act)' (supported: gelu)", file: file)
        }
        try EncoderFamilies.refuseFlags(["attention_bias", "mlp_bias"], in: json, family: "ModernBERT", file: file)
        config.typeVocabularySize = 0
        config.normBias = (json["norm_bias"] as? Bool) ?? false
        // Layer kinds: transformers 5's `layer_types`, or the Hub's `global_attn_every_n_layers`.
        let kinds: [String]
        if let types = json["layer_types"] as? [String] {
            guard types.count == config.layers, types.allSatisfy({ $0 == "full_attention" || $0 == "sliding_attention" }) else {
                throw ModelError.invalidConfig(file: file, reason: "layer_types must name full_attention or sliding_attention for each of \(config.layers) layers")
            }
            kinds = types
        } else {
            let every = (json["global_attn_every_n_layers"] as? NSNumber)?.intValue ?? 3
            guard every > 0 else { throw ModelError.invalidConfig(file: file, reason: "global_attn_every_n_layers must be positive") }
            kinds = (0..<config.layers).map { $0 % every == 0 ? "full_attention" : "sliding_attention" }
        }
        let rope = json["rope_parameters"] as? [String: Any]
        func theta(_ kind: String, legacy: String, default value: Float) throws -> Float {
            try EncoderFamilies.rotaryBase(rope?[kind] as? [String: Any], fallback: json[legacy], default: value, json: json,
                                           family: "ModernBERT", file: file)
        }
        config.rotaryBase = try theta("full_attention", legacy: "global_rope_theta", default: 160_000)
        let window = (json["local_attention"] as? NSNumber)?.intValue ?? 128
        guard window >= 0 else { throw ModelError.invalidConfig(file: file, reason: "local_attention must not be negative") }
        let local = Set(kinds.indices.filter { kinds[$0] == "sliding_attention" })
        config.localAttention = local.isEmpty ? nil : .init(
            layers: local, radius: window / 2, rotaryBase: try theta("sliding_attention", legacy: "local_rope_theta", default: 10_000))
    }

    static func embeddingNorm(_ config: TransformerConfig, weights w: WeightLoader) throws -> LayerNormWeights? {
        try w.layerNorm("embeddings.norm", config.hiddenSize, eps: config.layerNormEps, bias: config.normBias)
    }

    static func finalNorm(_ config: TransformerConfig, weights w: WeightLoader) throws -> LayerNormWeights? {
        try w.layerNorm("final_norm", config.hiddenSize, eps: config.layerNormEps, bias: config.normBias)
    }

    static func layer(_ l: Int, config: TransformerConfig, weights w: WeightLoader) throws -> EncoderLayer {
        let p = "layers.\(l).", h = config.hiddenSize, i = config.intermediateSize, eps = config.layerNormEps
        let local = config.localAttention.flatMap { $0.layers.contains(l) ? $0 : nil }
        let norm = try w.layerNorm(p + "mlp_norm", h, eps: eps, bias: config.normBias)
        return EncoderLayer(
            qkv: try w.linear(p + "attn.Wqkv", out: 3 * h, in: h, bias: false),
            attentionOutput: try w.linear(p + "attn.Wo", out: h, in: h, bias: false),
            attentionNorm: l == 0 ? nil : try w.layerNorm(p + "attn_norm", h, eps: eps, bias: config.normBias),
            feedForward: .gatedUnit(.gelu, gated: try w.linear(p + "mlp.Wi", out: 2 * i, in: h, bias: false),
                                output: try w.downProjection(p + "mlp.Wo", out: h, in: i, bias: false) {
                                    try w.rowMagnitudes(p + "mlp.Wi", rows: 2 * i, count: i, in: h, after: norm, bias: false)
                                        .times(try w.rowMagnitudes(p + "mlp.Wi", rows: 2 * i, first: i, count: i, in: h, after: norm,
                                                                   bias: false))
                                }),
            outputNorm: norm,
            placement: .pre, rotaryBase: local?.rotaryBase ?? config.rotaryBase,
            window: local.map { .symmetric($0.radius) })
    }
}
