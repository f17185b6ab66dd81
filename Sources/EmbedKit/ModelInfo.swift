/// What `embedkit info` and the server's `/info` report.
public struct ModelInfo: Sendable, Codable {
    public var modelID: String
    public var architecture: String
    /// The encoder family and its position scheme ("XLM-RoBERTa (learned positions from padding_idx + 1)").
    public var family: String = ""
    public var dimension: Int
    public var maxSequenceLength: Int
    public var pooling: String
    public var normalize: Bool
    public var modules: [String]
    public var parameters: Int
    public var dtype: String
    public var layers: Int
    public var hiddenSize: Int
    public var heads: Int
    public var vocabularySize: Int
    public var prompts: [String: String]
    public var defaultPromptName: String?
    /// The Matryoshka sizes the model declares (`matryoshka_dims` in its config); nil: any size up to
    /// `dimension`.
    public var matryoshkaDimensions: [Int]?
    /// The precision the model computes in ("fp32" or "bf16"; `auto` shows what it resolved to).
    public var precision: String = "fp32"
    /// Bytes the encoder's weights occupy in memory at that precision.
    public var weightBytes: Int = 0
    /// What the model computes: sentence embeddings, (a cross-encoder) one relevance score per pair,
    /// or (SPLADE) a sparse vector over the vocabulary.
    public var kind: Kind = .embedding

    /// What the engine's `forward` can give per input (`PreparedInput.Head`): an embedding model its
    /// sentence vectors and token states; a SPLADE model sparse vectors; bge-m3 served whole sentence
    /// vectors, sparse vectors and ColBERT vectors.
    public var outputs: [PreparedInput.Head] = [.pooled, .tokens]

    public enum Kind: String, Sendable, Codable {
        case embedding, reranker, sparse
    }
}
