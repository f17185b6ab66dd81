import EmbedKitCompute
import Foundation

/// Qwen3 (`model_type: qwen3`; Qwen3-Embedding-0.6B / 4B / 8B): a decoder. Pre-RMSNorm layers
/// (`input_layernorm`, `post_attention_layernorm`), an RMSNorm on each head of Q and of K (`q_norm`,
/// `k_norm`) before rotary positions (θ = `rope_theta`), grouped-query attention (`num_key_value_heads`, with
/// `head_dim` of its own), a causal mask, a SwiGLU feed-forward (`gate_proj`, `up_proj`, `down_proj`), no
/// biases, no embedding norm, a final `norm`. sentence-transformers pools the last token, the EOS that
/// Qwen3-Embedding's tokenizer appends. Sliding-window layers, attention biases and rope scaling are refused
/// (no checkpoint here to check them).
enum Qwen3: EncoderFamily {
    static let architecture = TransformerConfig.Architecture.qwen3
    static let wordEmbeddings = "embed_tokens.weight"

    static func matches(modelType: String, architectures: [String], json: [String: Any]) -> Bool {
        modelType == "qwen3" || (modelType.isEmpty && architectures.contains { $0 == "Qwen3Model" || $0 == "Qwen3ForCausalLM" })
    }

    static func configure(_ config: inout TransformerConfig, json: [String: Any], file: String) throws {
        func refuse(_ what: String) -> ModelError { EncoderFamilies.unsupported("Qwen3", what, file: file) }
        if let act = json["hidden_act"] as? String, act != "silu" { throw refuse("hidden_act '\(act)' (supported: silu)") }
        try EncoderFamilies.refuseFlags(["attention_bias", "use_sliding_window"], in: json, family: "Qwen3", file: file)
        if let types = json["layer_types"] as? [String], types.contains(where: { $0 != "full_attention" }) {
            throw refuse("layer_types other than full_attention")
        }
        config.rotaryBase = try EncoderFamilies.rotaryBase(json["rope_parameters"] as? [String: Any], fallback: json["rope_theta"],
                                                           default: 10_000, json: json, family: "Qwen3", file: file)
        config.typeVocabularySize = 0
        config.layerNormEps = Float((json["rms_norm_eps"] as? NSNumber)?.doubleValue ?? 1e-6)
        config.headDimension = (json["head_dim"] as? NSNumber)?.intValue
        let kv = (json["num_key_value_heads"] as? NSNumber)?.intValue ?? config.heads
        guard kv > 0, config.heads % kv == 0 else {
            throw ModelError.invalidConfig(file: file, reason: "num_attention_heads \(config.heads) is not a multiple of num_key_value_heads \(kv)")
        }
        config.keyValueHeads = kv
    }

    static func embeddingNorm(_ config: TransformerConfig, weights w: WeightLoader) throws -> LayerNormWeights? { nil }

    static func finalNorm(_ config: TransformerConfig, weights w: WeightLoader) throws -> LayerNormWeights? {
        try rmsNorm("norm", config.hiddenSize, config, w)
    }

    static func layer(_ l: Int, config: TransformerConfig, weights w: WeightLoader) throws -> EncoderLayer {
        let p = "layers.\(l).", h = config.hiddenSize, i = config.intermediateSize, d = config.headDim
        let q = config.heads * d, kv = config.kvHeads * d
        let norm = try rmsNorm(p + "post_attention_layernorm", h, config, w)
        return EncoderLayer(
            qkv: try w.fused([p + "self_attn.q_proj", p + "self_attn.k_proj", p + "self_attn.v_proj"], outs: [q, kv, kv], in: h,
                             bias: false),
            attentionOutput: try w.linear(p + "self_attn.o_proj", out: h, in: q, bias: false),
            attentionNorm: try rmsNorm(p + "input_layernorm", h, config, w),
            feedForward: .gatedUnit(.silu, gated: try w.fused([p + "mlp.gate_proj", p + "mlp.up_proj"], out: i, in: h, bias: false),
                                output: try w.downProjection(p + "mlp.down_proj", out: h, in: i, bias: false) {
                                    try w.rowMagnitudes(p + "mlp.gate_proj", rows: i, count: i, in: h, after: norm, bias: false)
                                        .times(try w.rowMagnitudes(p + "mlp.up_proj", rows: i, count: i, in: h, after: norm, bias: false))
                                }),
            outputNorm: norm,
            placement: .pre, rotaryBase: config.rotaryBase, window: .causal,
            queryNorm: try rmsNorm(p + "self_attn.q_norm", d, config, w),
            keyNorm: try rmsNorm(p + "self_attn.k_norm", d, config, w))
    }

    private static func rmsNorm(_ name: String, _ n: Int, _ config: TransformerConfig, _ w: WeightLoader) throws -> LayerNormWeights {
        .rms(gamma: try w.vector(name + ".weight", n), eps: config.layerNormEps)
    }
}
