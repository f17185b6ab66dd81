import EmbedKit

/// What the server needs from an embedding engine. `EmbeddingModel` conforms; tests may supply a
/// deterministic stand-in. Every method may be called from any thread.
public protocol EmbeddingBackend: Sendable {
    var info: ModelInfo { get }
    /// Number of token ids; ids outside 0..<vocabularySize are rejected before they reach `embed`.
    var vocabularySize: Int { get }
    /// Tokenizes one text as `encode` would: special tokens, the prompt named `promptName` (nil: the
    /// model's default prompt) prepended, truncated to `maxLength` tokens (specials kept) when given,
    /// not truncated when nil (to measure over-long inputs). Unknown prompt names are checked by the
    /// caller against `info.prompts`.
    func tokenize(_ text: String, promptName: String?, maxLength: Int?) -> Encoding
    /// The model's sentence embeddings (its own pipeline, Normalize module included, nothing else)
    /// for already-tokenized inputs, in input order, as one forward pass. Synchronous CPU work.
    func embed(tokenIDs: [[Int]]) throws -> [[Float]]
}

extension EmbeddingModel: EmbeddingBackend {
    public var vocabularySize: Int { info.vocabularySize }

    public func tokenize(_ text: String, promptName: String?, maxLength: Int?) -> Encoding {
        // The engine's own path (default prompt, lowercasing of do_lower_case models, truncation)
        // whenever it applies; it always truncates, at the latest at max_seq_length.
        if promptName == nil, let maxLength, let e = tokenize([text], maxLength: maxLength).first { return e }
        let name = promptName ?? info.defaultPromptName
        let prompt = name.flatMap { info.prompts[$0] } ?? ""
        return tokenizer.encode(prompt + text, maxLength: maxLength)
    }

    public func embed(tokenIDs: [[Int]]) throws -> [[Float]] {
        let longest = tokenIDs.map(\.count).max() ?? 1
        let options = EncodeOptions(batchSize: max(tokenIDs.count, 1), normalizeEmbeddings: false,
                                    maxLength: max(longest, info.maxSequenceLength))
        return try encode(tokenIDs: tokenIDs, options: options)
    }
}
