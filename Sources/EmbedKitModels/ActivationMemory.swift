extension TransformerEncoder {
    /// Bytes a forward pass of `tokens` real tokens (longest sequence `longest`) allocates beyond the
    /// weights, at its peak, on `threads` threads: the per-pass workspace (layer input, fused QKV,
    /// attention context and projection, the feed-forward's intermediate and, for an unfused gated unit, its doubled
    /// input; fp32 at every precision, as activations are), the copy of the final hidden states, and per
    /// thread the attention job's packed Kᵀ and V of one head over the whole sequence plus its score
    /// and output tiles, and the GEMM's packed activation block. An upper bound used to admit work
    /// within a memory budget; it is not a measurement.
    public func activationBytes(tokens: Int, longest: Int, threads: Int) -> Int {
        let h = config.hiddenSize, i = config.intermediateSize, shape = AttentionShape(config)
        let gated = layers.contains { $0.feedForward.writesGatedProduct }
        // hidden, qkv, context, projected, inner, wide, output copy
        let perToken = h + shape.qkvWidth + max(h, shape.queryWidth) + h + i + (gated ? 2 * i : 0) + h
        let headDim = shape.headDim
        let paddedHead = (headDim + 31) / 32 * 32
        let paddedKeys = (longest + 255) / 256 * 256
        let attention = paddedKeys * (headDim + paddedHead) + 96 * 256 + 96 * paddedHead + 2 * 96
        let gemm = 96 * max(h, i) * 2     // one packed activation block (fp32 or paired bf16 words)
        return 4 * (tokens * perToken + threads * (attention + gemm))
    }
}
