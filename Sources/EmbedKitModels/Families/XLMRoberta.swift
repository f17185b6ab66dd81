import Foundation

/// XLM-RoBERTa (`model_type: xlm-roberta`, also `roberta`): BERT's layers and weight names, one token
/// type, position ids counted from `padding_idx + 1` (`pad_token_id + 1`; so 514 position embeddings
/// hold 512 tokens), weights under `roberta.` in task heads. multilingual-e5, bge-m3, bge-reranker.
enum XLMRoberta: EncoderFamily {
    static let architecture = TransformerConfig.Architecture.xlmRoberta

    static func matches(modelType: String, architectures: [String], json: [String: Any]) -> Bool {
        modelType == "xlm-roberta" || modelType == "roberta" || architectures.contains { $0.contains("Roberta") }
    }

    static func configure(_ config: inout TransformerConfig, json: [String: Any], file: String) throws {
        let positions = EncoderFamilies.positionType(json)
        guard positions == "absolute" else {
            throw ModelError.unsupportedArchitecture(file: file, reason: "position_embedding_type '\(positions)'; supported for XLM-RoBERTa: absolute")
        }
        try EncoderFamilies.requireGELU(json, file: file)
        config.positionOffset = ((json["pad_token_id"] as? NSNumber)?.intValue ?? 1) + 1
    }

    static func layer(_ l: Int, config: TransformerConfig, weights w: WeightLoader) throws -> EncoderLayer {
        try EncoderFamilies.bertLayer(l, config: config, weights: w)
    }
}
