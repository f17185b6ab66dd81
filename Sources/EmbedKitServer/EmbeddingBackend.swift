import EmbedKit

/// What the server needs from an embedding engine. `EmbeddingModel` conforms; tests may supply a
/// deterministic stand-in. Every method may be called from any thread.
public protocol EmbeddingBackend: Sendable {
    var info: ModelInfo { get }
    /// Number of token ids; ids outside 0..<vocabularySize are rejected before they reach `embed`.
    var vocabularySize: Int { get }
    /// Tokenizes one text with special tokens; truncated to `maxLength` tokens (specials kept) when given.
    func tokenize(_ text: String, maxLength: Int?) -> Encoding
    /// The model's sentence embeddings (its own pipeline, Normalize module included, nothing else)
    /// for already-tokenized inputs, in input order, as one forward pass. Synchronous CPU work.
    func embed(tokenIDs: [[Int]]) throws -> [[Float]]
}

extension EmbeddingModel: EmbeddingBackend {
    public var vocabularySize: Int { info.vocabularySize }

    public func tokenize(_ text: String, maxLength: Int?) -> Encoding {
        tokenizer.encode(text, maxLength: maxLength)
    }

    public func embed(tokenIDs: [[Int]]) throws -> [[Float]] {
        let longest = tokenIDs.map(\.count).max() ?? 1
        let options = EncodeOptions(batchSize: max(tokenIDs.count, 1), normalizeEmbeddings: false,
                                    maxLength: max(longest, info.maxSequenceLength))
        return try encode(tokenIDs: tokenIDs, options: options)
    }
}
