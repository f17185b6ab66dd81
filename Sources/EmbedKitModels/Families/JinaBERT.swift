/// JinaBERT (jina-embeddings-v2 small-en, base-zh, base-de): BERT with symmetric ALiBi in place of
/// position embeddings (`position_embedding_type: alibi`) and a GEGLU feed-forward (`mlp.gated_layers`,
/// gate first, then `mlp.wo` and `mlp.layernorm`).
enum JinaBERT: EncoderFamily {
    static let architecture = TransformerConfig.Architecture.jinaBert

    static func matches(modelType: String, architectures: [String], json: [String: Any]) -> Bool {
        EncoderFamilies.positionType(json) == "alibi"
            && (modelType == "bert" || modelType == "jina_bert" || architectures.contains { $0.contains("Bert") })
    }

    static func configure(_ config: inout TransformerConfig, json: [String: Any], file: String) throws {
        if let feedForward = json["feed_forward_type"] as? String, feedForward != "geglu" {
            throw ModelError.unsupportedArchitecture(file: file, reason: "feed_forward_type '\(feedForward)'; supported: geglu")
        }
    }

    static func layer(_ l: Int, config: TransformerConfig, weights w: WeightLoader) throws -> EncoderLayer {
        let p = "encoder.layer.\(l).", h = config.hiddenSize, i = config.intermediateSize
        let (qkv, out, norm) = try EncoderFamilies.attention(p, config: config, weights: w)
        return EncoderLayer(
            qkv: qkv, attentionOutput: out, attentionNorm: norm,
            feedForward: .gatedUnit(.gelu, gated: try w.linear(p + "mlp.gated_layers", out: 2 * i, in: h, bias: false),
                                output: try w.downProjection(p + "mlp.wo", out: h, in: i) {
                                    let gate = try w.rowMagnitudes(p + "mlp.gated_layers", rows: 2 * i, count: i, in: h, after: norm, bias: false)
                                    return gate.times(try w.rowMagnitudes(p + "mlp.gated_layers", rows: 2 * i, first: i, count: i, in: h,
                                                                          after: norm, bias: false))
                                }),
            outputNorm: try w.layerNorm(p + "mlp.layernorm", h, eps: config.layerNormEps))
    }
}
