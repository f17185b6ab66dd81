import EmbedKitCompute
import Foundation

/// One encoder family: how its config.json says so, what it reads from it, where its weights are and
/// how one of its layers is built. The forward pass (`TransformerEncoder`) is shared; a family chooses
/// its variant: position scheme (learned, with an offset, ALiBi or rotary), feed-forward (GELU, GEGLU or
/// SwiGLU) and weight names. Adding a family is one file here and one entry in `EncoderFamilies.all`.
protocol EncoderFamily {
    static var architecture: TransformerConfig.Architecture { get }
    /// config.json with the family's own field names copied to the names the common reader uses
    /// (`hidden_size`, `num_attention_heads`, …) where those are absent. Default: unchanged.
    static func canonicalFields(_ json: [String: Any]) -> [String: Any]
    /// The token embedding table. Default: `embeddings.word_embeddings.weight`.
    static var wordEmbeddings: String { get }
    /// The embeddings' LayerNorm (nil: none, a decoder's). Default: `embeddings.LayerNorm`.
    static func embeddingNorm(_ config: TransformerConfig, weights w: WeightLoader) throws -> LayerNormWeights?
    /// A LayerNorm after the last layer (pre-norm families). Default: none.
    static func finalNorm(_ config: TransformerConfig, weights w: WeightLoader) throws -> LayerNormWeights?
    /// Whether config.json describes this family: from `model_type`, `architectures` and its fields,
    /// never from a Hub name.
    static func matches(modelType: String, architectures: [String], json: [String: Any]) -> Bool
    /// The family's checks and fields, on a config whose common fields are read.
    static func configure(_ config: inout TransformerConfig, json: [String: Any], file: String) throws
    /// Layer `l`'s weights.
    static func layer(_ l: Int, config: TransformerConfig, weights w: WeightLoader) throws -> EncoderLayer
}

extension EncoderFamily {
    static func canonicalFields(_ json: [String: Any]) -> [String: Any] { json }
    static var wordEmbeddings: String { "embeddings.word_embeddings.weight" }
    static func embeddingNorm(_ config: TransformerConfig, weights w: WeightLoader) throws -> LayerNormWeights? {
        try w.layerNorm("embeddings.LayerNorm", config.hiddenSize, eps: config.layerNormEps)
    }
    static func finalNorm(_ config: TransformerConfig, weights w: WeightLoader) throws -> LayerNormWeights? { nil }
}

enum EncoderFamilies {
    /// In the order they are tried: the first family whose `matches` says so reads the config.
    static let all: [any EncoderFamily.Type] = [Qwen3.self, ModernBERT.self, NomicBERT.self, MPNet.self, XLMRoberta.self, JinaBERT.self, BERT.self]

    static func family(_ architecture: TransformerConfig.Architecture) -> any EncoderFamily.Type {
        all.first { $0.architecture == architecture }!
    }

    /// "BERT (…), JinaBERT (…), XLM-RoBERTa (…)": what a refusal lists.
    static var supported: String {
        all.map { $0.architecture.description }.reversed().joined(separator: ", ")
    }

    /// The family of a config.json.
    static func resolve(modelType: String, architectures: [String], json: [String: Any], file: String) throws -> any EncoderFamily.Type {
        guard let family = all.first(where: { $0.matches(modelType: modelType, architectures: architectures, json: json) }) else {
            throw ModelError.unsupportedArchitecture(file: file, reason: "model_type '\(modelType)' (architectures \(architectures)); supported: \(supported)")
        }
        return family
    }

    /// BERT's `hidden_act` rule, shared by the families with BERT's feed-forward.
    static func requireGELU(_ json: [String: Any], file: String) throws {
        if let act = json["hidden_act"] as? String, act != "gelu" {
            throw ModelError.unsupportedArchitecture(file: file, reason: "hidden_act '\(act)'; supported: gelu (exact erf)")
        }
    }

    /// "`family` with `what` is not supported": a variant of a known family that nothing here checks.
    static func unsupported(_ family: String, _ what: String, file: String) -> ModelError {
        ModelError.unsupportedArchitecture(file: file, reason: "\(family) with \(what) is not supported")
    }

    /// Refuses the first of `flags` that config.json sets to true.
    static func refuseFlags(_ flags: [String], in json: [String: Any], family: String, file: String) throws {
        if let flag = flags.first(where: { (json[$0] as? Bool) == true }) { throw unsupported(family, "\(flag): true", file: file) }
    }

    /// The rotary base θ: from `parameters` (transformers 5's `rope_parameters`, or one layer kind's entry
    /// of it), else from `fallback` (the checkpoint's own field), else `value`. Only the default rope is
    /// supported: another `rope_type`, or a `rope_scaling` in config.json, is refused.
    static func rotaryBase(_ parameters: [String: Any]?, fallback: Any?, default value: Float, json: [String: Any],
                           family: String, file: String) throws -> Float {
        if let type = parameters?["rope_type"] as? String, type != "default" { throw unsupported(family, "rope_type '\(type)'", file: file) }
        if json["rope_scaling"] is [String: Any] { throw unsupported(family, "rope_scaling", file: file) }
        return ((parameters?["rope_theta"] ?? fallback) as? NSNumber)?.floatValue ?? value
    }

    /// `position_embedding_type`, "absolute" when absent.
    static func positionType(_ json: [String: Any]) -> String { json["position_embedding_type"] as? String ?? "absolute" }

    /// BERT's self-attention block of layer prefix `p` (the weight names every family here shares):
    /// the fused [Q | K | V] projection, the output projection and its LayerNorm.
    static func attention(_ p: String, config: TransformerConfig, weights w: WeightLoader) throws -> (Linear, Linear, LayerNormWeights) {
        let h = config.hiddenSize
        return (try w.fused([p + "attention.self.query", p + "attention.self.key", p + "attention.self.value"], out: h, in: h),
                try w.linear(p + "attention.output.dense", out: h, in: h),
                try w.layerNorm(p + "attention.output.LayerNorm", h, eps: config.layerNormEps))
    }

    /// BERT's post-LayerNorm layer with a GELU feed-forward (BERT, XLM-RoBERTa: the same weight names).
    static func bertLayer(_ l: Int, config: TransformerConfig, weights w: WeightLoader) throws -> EncoderLayer {
        let p = "encoder.layer.\(l).", h = config.hiddenSize, i = config.intermediateSize
        let (qkv, out, norm) = try attention(p, config: config, weights: w)
        return EncoderLayer(
            qkv: qkv, attentionOutput: out, attentionNorm: norm,
            feedForward: .gelu(intermediate: try w.linear(p + "intermediate.dense", out: i, in: h),
                               output: try w.downProjection(p + "output.dense", out: h, in: i) {
                                   try w.rowMagnitudes(p + "intermediate.dense", rows: i, count: i, in: h, after: norm, bias: true)
                               }),
            outputNorm: try w.layerNorm(p + "output.LayerNorm", h, eps: config.layerNormEps))
    }
}
