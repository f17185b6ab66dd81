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
        // The engine's own text preparation (prompt, Python-style strip, do_lower_case); an unknown
        // prompt name is rejected earlier with a 400, so falling back to the raw text is unreachable.
        let input = (try? tokenizerInput(text, promptName: promptName)) ?? text
        return tokenizer.encode(input, maxLength: maxLength)
    }

    public func embed(tokenIDs: [[Int]]) throws -> [[Float]] {
        let longest = tokenIDs.map(\.count).max() ?? 1
        let options = EncodeOptions(batchSize: max(tokenIDs.count, 1), normalizeEmbeddings: false,
                                    maxLength: max(longest, info.maxSequenceLength))
        return try encode(tokenIDs: tokenIDs, options: options)
    }
}
