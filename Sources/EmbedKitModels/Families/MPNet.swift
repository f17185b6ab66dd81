import EmbedKitCompute
import Foundation

/// MPNet (`model_type: mpnet`; all-mpnet-base-v2, multi-qa-mpnet): BERT's post-LayerNorm layers under
/// other names (`attention.attn.q|k|v|o`, `attention.LayerNorm`), no token type embeddings, positions
/// from `padding_idx + 1` (2), and in every layer's attention a learned bias per head and relative-
/// position bucket (`encoder.relative_attention_bias`, shared by the layers): 32 buckets, half for each
/// direction, exact up to 8 tokens apart, then logarithmic up to 128.
enum MPNet: EncoderFamily {
    static let architecture = TransformerConfig.Architecture.mpnet

    static func matches(modelType: String, architectures: [String], json: [String: Any]) -> Bool {
        modelType == "mpnet" || architectures.contains { $0.hasPrefix("MPNet") }
    }

    static func configure(_ config: inout TransformerConfig, json: [String: Any], file: String) throws {
        try EncoderFamilies.requireGELU(json, file: file)
        config.positionOffset = 2                // MPNetEmbeddings' padding_idx is 1 whatever pad_token_id says
        config.typeVocabularySize = 0
        config.relativeAttentionBuckets = (json["relative_attention_num_buckets"] as? NSNumber)?.intValue ?? 32
    }

    static func layer(_ l: Int, config: TransformerConfig, weights w: WeightLoader) throws -> EncoderLayer {
        let p = "encoder.layer.\(l).", h = config.hiddenSize, i = config.intermediateSize, eps = config.layerNormEps
        let norm = try w.layerNorm(p + "attention.LayerNorm", h, eps: eps)
        return EncoderLayer(
            qkv: try w.fused([p + "attention.attn.q", p + "attention.attn.k", p + "attention.attn.v"], out: h, in: h),
            attentionOutput: try w.linear(p + "attention.attn.o", out: h, in: h),
            attentionNorm: norm,
            feedForward: .gelu(intermediate: try w.linear(p + "intermediate.dense", out: i, in: h),
                               output: try w.downProjection(p + "output.dense", out: h, in: i) {
                                   try w.rowMagnitudes(p + "intermediate.dense", rows: i, count: i, in: h, after: norm, bias: true)
                               }),
            outputNorm: try w.layerNorm(p + "output.LayerNorm", h, eps: eps))
    }

    /// transformers' `MPNetEncoder.relative_position_bucket` (32 buckets, max distance 128, as
    /// `compute_position_bias` calls it) of the offset `distance` = j − i, with its float32 logarithm.
    static func bucket(_ distance: Int, buckets: Int = 32, maxDistance: Int = 128) -> Int {
        let half = buckets / 2
        var bucket = distance > 0 ? half : 0     // n = −distance < 0
        let n = abs(distance), maxExact = half / 2
        if n < maxExact { return bucket + n }
        let scaled = Foundation.log(Float(n) / Float(maxExact)) / Float(Foundation.log(Double(maxDistance) / Double(maxExact)))
            * Float(half - maxExact)
        bucket += min(maxExact + Int(scaled), half - 1)
        return bucket
    }
}
