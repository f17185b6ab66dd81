/// Long documents: chunks with a vector each (late chunking or independent), through the one request
/// path (`embed` → `EmbeddingPlan`).
extension EmbeddingModel {
    /// Each text's chunks with their vectors, post-processed as `encode` post-processes a sentence
    /// vector (Matryoshka truncation, normalization). A text with no tokens of its own has no chunks.
    ///
    ///     let chunks = try model.chunk([document], chunking: ChunkingOptions(chunkTokens: 256))[0]
    ///     for c in chunks { print(c.start, c.end, c.embedding.count) }
    public func chunk(_ texts: [String], chunking: ChunkingOptions, options: EncodeOptions = EncodeOptions()) throws -> [[TextChunk]] {
        try embed(EmbeddingRequest(texts: texts, output: .chunks(chunking), options: options)).all().map(\.chunks)
    }

    /// Embeddings under `options.overflow`, as chunks: a text within the max length is one chunk; a
    /// longer one is cut (`truncate`: one chunk, marked truncated), refused (`error`), or chunked
    /// (`chunk`, `chunkMean`: `options.chunking`, else independent chunks of the max length).
    public func encodeChunks(_ texts: [String], options: EncodeOptions = EncodeOptions()) throws -> [[TextChunk]] {
        try embed(EmbeddingRequest(texts: texts, output: .chunks(nil), options: options)).all().map(\.chunks)
    }

    /// Late chunking of a document given as its consecutive pieces (Jina's `late_chunking: true`): the
    /// pieces joined with `separator`, one forward pass (windows past the max length), one vector per
    /// piece, pooled over the piece's own tokens and post-processed as `encode` does.
    public func encodeLateChunks(_ pieces: [String], separator: String = " ", options: EncodeOptions = EncodeOptions()) throws -> [[Float]] {
        try embed(EmbeddingRequest(texts: pieces, output: .lateChunks(separator: separator), options: options)).all().map { $0.vectors[0] }
    }
}
