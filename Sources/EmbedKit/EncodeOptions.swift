/// Options of `EmbeddingModel.encode`, named as sentence-transformers names them.
public struct EncodeOptions: Sendable {
    /// Texts per forward pass; texts are sorted by length first, as sentence-transformers does.
    public var batchSize: Int = 32
    /// Real (unpadded) tokens per forward pass at most; a longer single input runs alone.
    public var maxBatchTokens: Int = 8192
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
    /// What happens to a text longer than the max length (`encode` takes `truncate`, `error` and
    /// `chunkMean`; `encodeChunks` also `chunk`).
    public var overflow: Overflow = .truncate
    /// How `chunk` and `chunkMean` split an over-long text; nil: independent chunks as long as the max
    /// length allows.
    public var chunking: ChunkingOptions? = nil
    /// Called after each batch with (texts done, texts in all).
    public var progress: (@Sendable (Int, Int) -> Void)? = nil

    public init(batchSize: Int = 32, normalizeEmbeddings: Bool = false, maxLength: Int? = nil,
                prompt: String? = nil, promptName: String? = nil, truncateDimension: Int? = nil) {
        self.batchSize = batchSize
        self.normalizeEmbeddings = normalizeEmbeddings
        self.maxLength = maxLength
        self.prompt = prompt
        self.promptName = promptName
        self.truncateDimension = truncateDimension
    }

    /// What becomes of an over-long input under `overflow`: cut at `side` (`truncate`, and before
    /// chunking), or refused (`error`).
    func truncation(_ side: Truncation) -> Truncation { overflow == .error ? .none : side }

    /// The post-processing these options ask for.
    public var postprocessing: Postprocessing {
        Postprocessing(dimensions: truncateDimension, normalize: normalizeEmbeddings)
    }

    /// The batching these options ask for.
    public func budget() throws -> BatchBudget {
        guard batchSize > 0 else { throw EmbedKitError.invalidOption("batch size must be positive") }
        guard maxBatchTokens > 0 else { throw EmbedKitError.invalidOption("max batch tokens must be positive") }
        return BatchBudget(maxTokens: maxBatchTokens, maxInputs: batchSize)
    }
}

/// What happens to a text longer than the max length.
public enum Overflow: String, Sendable, CaseIterable, Codable {
    /// Cut at the max length (sentence-transformers' behaviour); the result says it was.
    case truncate
    /// Refuse it (`EmbedKitError.inputTooLong`; 413 on the server).
    case error
    /// One vector per chunk (`EncodeOptions.chunking`).
    case chunk
    /// One vector: the token-weighted mean of the chunk vectors, renormalized when the model normalizes.
    case chunkMean = "chunk-mean"
}
