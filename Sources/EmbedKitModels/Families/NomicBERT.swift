import EmbedKitCompute
import Foundation

/// NomicBERT (`model_type: nomic_bert`; nomic-embed-text-v1 and v1.5) as its Hub checkpoints carry it (the
/// nomic-bert-2048 remote code): GPT-2's config field names (`n_embd`, `n_head`, `n_layer`, `n_inner`,
/// `layer_norm_epsilon`), BERT's post-LayerNorm layers with no biases in the projections, rotary
/// positions on Q and K (rotate-half, θ = `rotary_emb_base`), a SwiGLU feed-forward (`fc11` up, `fc12` the
/// gate, `fc2` down), token types, and the embeddings' LayerNorm named `emb_ln`. The variants its config can
/// describe but no checkpoint here uses (pre-norm, RMSNorm, biases, partial or interleaved rotary, rotary
/// scaling) are refused by name.
enum NomicBERT: EncoderFamily {
    static let architecture = TransformerConfig.Architecture.nomicBert

    static func embeddingNorm(_ config: TransformerConfig, weights w: WeightLoader) throws -> LayerNormWeights? {
        try w.layerNorm("emb_ln", config.hiddenSize, eps: config.layerNormEps)
    }

    static func matches(modelType: String, architectures: [String], json: [String: Any]) -> Bool {
        modelType == "nomic_bert" || architectures.contains { $0.hasPrefix("NomicBert") }
    }

    static func canonicalFields(_ json: [String: Any]) -> [String: Any] {
        var json = json
        let aliases = ["n_embd": "hidden_size", "n_head": "num_attention_heads", "n_layer": "num_hidden_layers",
                       "n_inner": "intermediate_size", "n_positions": "max_position_embeddings",
                       "layer_norm_epsilon": "layer_norm_eps"]
        for (theirs, ours) in aliases where json[ours] == nil && json[theirs] is NSNumber { json[ours] = json[theirs] }
        // GPT-2's n_inner: null means 4 · n_embd.
        if json["intermediate_size"] == nil, let h = json["hidden_size"] as? NSNumber { json["intermediate_size"] = 4 * h.intValue }
        return json
    }

    static func configure(_ config: inout TransformerConfig, json: [String: Any], file: String) throws {
        func refuse(_ what: String) -> ModelError { EncoderFamilies.unsupported("NomicBERT", what, file: file) }
        let activation = json["activation_function"] as? String ?? json["hidden_act"] as? String ?? "swiglu"
        guard activation == "swiglu" || activation == "silu" else { throw refuse("activation '\(activation)' (supported: swiglu)") }
        try EncoderFamilies.refuseFlags(["prenorm", "use_rms_norm", "qkv_proj_bias", "mlp_fc1_bias", "mlp_fc2_bias",
                                         "parallel_block", "rotary_emb_interleaved", "causal"],
                                        in: json, family: "NomicBERT", file: file)
        if let fraction = json["rotary_emb_fraction"] as? NSNumber, fraction.doubleValue != 1 {
            throw refuse("rotary_emb_fraction \(fraction) (supported: 1.0)")
        }
        if let factor = json["rotary_scaling_factor"], !(factor is NSNull) { throw refuse("rotary_scaling_factor \(factor)") }
        // The Hub's `rotary_emb_base` first, then transformers 5's forms (whose rope type is checked either way).
        let theta = try EncoderFamilies.rotaryBase(json["rope_parameters"] as? [String: Any], fallback: json["rope_theta"],
                                                   default: 1000, json: json, family: "NomicBERT", file: file)
        config.rotaryBase = (json["rotary_emb_base"] as? NSNumber)?.floatValue ?? theta
    }

    static func layer(_ l: Int, config: TransformerConfig, weights w: WeightLoader) throws -> EncoderLayer {
        let p = "encoder.layers.\(l).", h = config.hiddenSize, i = config.intermediateSize, eps = config.layerNormEps
        let norm = try w.layerNorm(p + "norm1", h, eps: eps)
        return EncoderLayer(
            qkv: try w.linear(p + "attn.Wqkv", out: 3 * h, in: h, bias: false),
            attentionOutput: try w.linear(p + "attn.out_proj", out: h, in: h, bias: false),
            attentionNorm: norm,
            feedForward: .gatedUnit(.silu, gated: try w.fused([p + "mlp.fc12", p + "mlp.fc11"], out: i, in: h, bias: false),
                                output: try w.downProjection(p + "mlp.fc2", out: h, in: i, bias: false) {
                                    try w.rowMagnitudes(p + "mlp.fc12", rows: i, count: i, in: h, after: norm, bias: false)
                                        .times(try w.rowMagnitudes(p + "mlp.fc11", rows: i, count: i, in: h, after: norm, bias: false))
                                }),
            outputNorm: try w.layerNorm(p + "norm2", h, eps: eps), rotaryBase: config.rotaryBase)
    }
}
