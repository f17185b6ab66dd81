import EmbedKitPipeline

/// Long documents: chunks with a vector each (late chunking or independent) and the overflow policy.
/// Both go through the one engine core (`forwardAll` → `forward`) and the one post-processing.
extension EmbeddingModel {
    /// Each text's chunks with their vectors, post-processed as `encode` post-processes a sentence
    /// vector (Matryoshka truncation, normalization).
    ///
    ///     let chunks = try model.chunk([document], chunking: ChunkingOptions(chunkTokens: 256))[0]
    ///     for c in chunks { print(c.start, c.end, c.embedding.count) }
    public func chunk(_ texts: [String], chunking: ChunkingOptions, options: EncodeOptions = EncodeOptions()) throws -> [[TextChunk]] {
        _ = try options.budget()
        let prompt = try textPreparation.prompt(options.prompt, named: options.promptName)
        let chunked = try texts.map { try textPreparation.chunk($0, prompt: prompt, options: chunking, maxLength: options.maxLength) }
        return try embed(chunked, options: options)
    }

    /// Embeddings under `options.overflow`, as chunks: a text within the max length is one chunk; a
    /// longer one is cut (`truncate`: one chunk, marked truncated), refused (`error`), or chunked
    /// (`chunk`, `chunkMean`: `options.chunking`, else independent chunks of the max length).
    public func encodeChunks(_ texts: [String], options: EncodeOptions = EncodeOptions()) throws -> [[TextChunk]] {
        _ = try options.budget()
        let prompt = try textPreparation.prompt(options.prompt, named: options.promptName)
        switch options.overflow {
        case .truncate, .error:
            let inputs = try prepare(texts, options: options)
            let chunked = zip(texts, inputs).map { ChunkedText(whole: $1, characters: $0.unicodeScalars.count) }
            return try embed(chunked, options: options)
        case .chunk, .chunkMean:
            let chunked = try texts.map {
                try textPreparation.chunkOnOverflow($0, prompt: prompt, chunking: options.chunking, maxLength: options.maxLength)
            }
            return try embed(chunked, options: options)
        }
    }

    /// Late chunking of a document given as its consecutive pieces (Jina's `late_chunking: true`): the
    /// pieces joined with `separator`, one forward pass (windows past the max length), one vector per
    /// piece, pooled over the piece's own tokens and post-processed as `encode` does.
    public func encodeLateChunks(_ pieces: [String], separator: String = " ", options: EncodeOptions = EncodeOptions()) throws -> [[Float]] {
        _ = try options.budget()
        let prompt = try textPreparation.prompt(options.prompt, named: options.promptName)
        let chunked = try textPreparation.lateChunks(pieces, separator: separator, prompt: prompt, maxLength: options.maxLength)
        return try embed([chunked], options: options)[0].map(\.embedding)
    }

    /// `overflow: .chunkMean`: one vector per text, the token-weighted mean of its chunks' vectors
    /// (renormalized when the model normalizes), then post-processed.
    func encodeChunkMeans(_ texts: [String], options: EncodeOptions) throws -> [[Float]] {
        let post = options.postprocessing
        try post.validate(modelDimension: info.dimension, matryoshkaDimensions: info.matryoshkaDimensions)
        let prompt = try textPreparation.prompt(options.prompt, named: options.promptName)
        let chunked = try texts.map {
            try textPreparation.chunkOnOverflow($0, prompt: prompt, chunking: options.chunking, maxLength: options.maxLength)
        }
        let vectors = try forwardAll(chunked.flatMap(\.inputs), options: options)
        var k = 0
        return chunked.map { c in
            let mean = c.mean(vectors[k ..< k + c.vectorCount], normalize: info.normalize)
            k += c.vectorCount
            return post.apply(mean)
        }
    }

    /// Runs every chunked text's inputs through the engine core and makes its chunks.
    func embed(_ chunked: [ChunkedText], options: EncodeOptions) throws -> [[TextChunk]] {
        let post = options.postprocessing
        try post.validate(modelDimension: info.dimension, matryoshkaDimensions: info.matryoshkaDimensions)
        let vectors = try forwardAll(chunked.flatMap(\.inputs), options: options)
        var k = 0
        return chunked.map { c in
            let mine = vectors[k ..< k + c.vectorCount].map(post.apply)
            k += c.vectorCount
            return c.chunks(mine[...])
        }
    }
}
