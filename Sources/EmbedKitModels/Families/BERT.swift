/// BERT (`model_type: bert`): learned absolute positions from 0, GELU feed-forward, post-LayerNorm;
/// weights under `bert.` in task heads. Dmeta-embedding, zpoint, all-MiniLM, ms-marco cross-encoders.
enum BERT: EncoderFamily {
    static let architecture = TransformerConfig.Architecture.bert

    static func matches(modelType: String, architectures: [String], json: [String: Any]) -> Bool {
        modelType == "bert" || architectures.contains { $0.contains("Bert") }
    }

    static func configure(_ config: inout TransformerConfig, json: [String: Any], file: String) throws {
        let positions = EncoderFamilies.positionType(json)
        guard positions == "absolute" else {
            throw ModelError.unsupportedArchitecture(file: file, reason: "position_embedding_type '\(positions)'; supported: absolute, alibi")
        }
        try EncoderFamilies.requireGELU(json, file: file)
    }

    static func layer(_ l: Int, config: TransformerConfig, weights w: WeightLoader) throws -> EncoderLayer {
        try EncoderFamilies.bertLayer(l, config: config, weights: w)
    }
}
