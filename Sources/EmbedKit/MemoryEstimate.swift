extension EmbeddingModel {
    /// Bytes one forward pass of `tokens` real tokens, the longest input `longest` tokens, allocates
    /// beyond the loaded weights on the model's threads: an upper bound (fp32 activations at every
    /// precision), which a caller uses to choose `maxBatchTokens` within a memory budget. `encode`
    /// never holds more than one pass's activations at once; its outputs are one vector per input.
    public func activationBytes(tokens: Int, longest: Int) -> Int {
        pipeline.encoder.activationBytes(tokens: tokens, longest: longest, threads: pipeline.threadPool.threads)
            + tokens * 8 + max(1, tokens) * pipeline.outputDimension * 4 * 2   // ids, pooled and post-module rows
    }

}
