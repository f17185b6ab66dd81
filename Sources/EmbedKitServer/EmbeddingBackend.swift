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
    /// Leading tokens the prompt `promptName` (nil: the default prompt) adds to a tokenized input.
    func promptLength(promptName: String?) -> Int
    /// As `embed(tokenIDs:)`, pooling leaving out `promptLengths[i]` leading tokens of input i when the
    /// model's Pooling has `include_prompt: false`.
    func embed(tokenIDs: [[Int]], promptLengths: [Int]) throws -> [[Float]]
}

extension EmbeddingBackend {
    public func promptLength(promptName: String?) -> Int { 0 }
    public func embed(tokenIDs: [[Int]], promptLengths: [Int]) throws -> [[Float]] { try embed(tokenIDs: tokenIDs) }
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
        try embed(tokenIDs: tokenIDs, promptLengths: Array(repeating: 0, count: tokenIDs.count))
    }

    public func promptLength(promptName: String?) -> Int {
        // Unknown names are rejected before this is asked.
        (try? promptLength(for: promptName)) ?? 0
    }

    public func embed(tokenIDs: [[Int]], promptLengths: [Int]) throws -> [[Float]] {
        let longest = tokenIDs.map(\.count).max() ?? 1
        let options = EncodeOptions(batchSize: max(tokenIDs.count, 1), normalizeEmbeddings: false,
                                    maxLength: max(longest, info.maxSequenceLength))
        return try encode(tokenIDs: tokenIDs, promptLengths: promptLengths, options: options)
    }
}
