/// Options of `EmbeddingModel.encode`, named as sentence-transformers names them.
public struct EncodeOptions: Sendable {
    /// What `encode` returns per text.
    public enum OutputValue: String, Sendable {
        case sentenceEmbedding = "sentence_embedding"
        case tokenEmbeddings = "token_embeddings"
    }

    public enum Precision: String, Sendable { case float32 }

    /// Texts per forward pass; texts are sorted by length first, as sentence-transformers does.
    public var batchSize: Int = 32
    /// L2-normalize the output (on top of a model's own Normalize module).
    public var normalizeEmbeddings: Bool = false
    /// Token limit per text (special tokens included); nil: the model's max_seq_length.
    public var maxLength: Int? = nil
    /// Text prepended to every input.
    public var prompt: String? = nil
    /// Name of a prompt in config_sentence_transformers.json; nil: the model's default prompt, if any.
    public var promptName: String? = nil
    /// Keep the first k dimensions (Matryoshka); normalization, if any, applies after truncation.
    public var truncateDimension: Int? = nil
    public var outputValue: OutputValue = .sentenceEmbedding
    public var precision: Precision = .float32
    /// Called after each batch with (texts done, texts in all).
    public var progress: (@Sendable (Int, Int) -> Void)? = nil

    public init(batchSize: Int = 32, normalizeEmbeddings: Bool = false, maxLength: Int? = nil,
                prompt: String? = nil, promptName: String? = nil, truncateDimension: Int? = nil,
                outputValue: OutputValue = .sentenceEmbedding, precision: Precision = .float32) {
        self.batchSize = batchSize
        self.normalizeEmbeddings = normalizeEmbeddings
        self.maxLength = maxLength
        self.prompt = prompt
        self.promptName = promptName
        self.truncateDimension = truncateDimension
        self.outputValue = outputValue
        self.precision = precision
    }
}

/// What `embedkit info` and the server's `/info` report.
public struct ModelInfo: Sendable, Codable {
    public var modelID: String
    public var architecture: String
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
}
