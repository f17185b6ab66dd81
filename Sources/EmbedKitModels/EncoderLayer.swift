import EmbedKitCompute

/// One transformer block (post-LayerNorm), with a GELU or a gated feed-forward.
struct EncoderLayer: Sendable {
    enum FeedForward: Sendable {
        /// BERT: GELU(x·W₁ᵀ + b₁)·W₂ᵀ + b₂.
        case gelu(intermediate: Linear, output: Linear)
        /// A gated unit, GEGLU or SwiGLU: (act(gate) ⊙ up)·W₂ᵀ + b₂ with [gate | up] = x·Wgᵀ (gate first).
        case gated(Ops.GatedActivation, gated: Linear, output: Linear)

        var isGated: Bool {
            if case .gated = self { return true }
            return false
        }

        /// The two Linear layers, in order.
        var linears: (Linear, Linear) {
            switch self {
            case .gelu(let a, let b), .gated(_, let a, let b): return (a, b)
            }
        }
    }

    /// Fused [Q | K | V] projection, [3H, H].
    let qkv: Linear
    let attentionOutput: Linear
    let attentionNorm: LayerNormWeights
    let feedForward: FeedForward
    let outputNorm: LayerNormWeights
}

/// Per-forward scratch buffers, sized for `tokens` rows.
final class Workspace {
    let hidden: UnsafeMutablePointer<Float>     // [T, H]   layer input / output
    let qkv: UnsafeMutablePointer<Float>        // [T, 3H]
    let context: UnsafeMutablePointer<Float>    // [T, H]
    let projected: UnsafeMutablePointer<Float>  // [T, H]
    let wide: UnsafeMutablePointer<Float>       // [T, 2I], gated layers only
    let inner: UnsafeMutablePointer<Float>      // [T, I]
    private let sizes: [Int]

    /// `gated`: some layer has a gated feed-forward (it needs `wide`).
    init(tokens: Int, hidden h: Int, intermediate i: Int, gated: Bool) {
        sizes = [tokens * h, tokens * 3 * h, tokens * h, tokens * h, gated ? tokens * 2 * i : 0, tokens * i]
        hidden = .allocate(capacity: max(1, sizes[0]))
        qkv = .allocate(capacity: max(1, sizes[1]))
        context = .allocate(capacity: max(1, sizes[2]))
        projected = .allocate(capacity: max(1, sizes[3]))
        wide = .allocate(capacity: max(1, sizes[4]))
        inner = .allocate(capacity: max(1, sizes[5]))
    }

    deinit {
        for p in [hidden, qkv, context, projected, wide, inner] { p.deallocate() }
    }
}

extension EncoderLayer {
    /// ws.hidden ← layer(ws.hidden) for every token of `batch`.
    func forward(_ ws: Workspace, batch: SequenceBatch, heads: Int, hiddenSize h: Int,
                 alibiSlopes: [Float]?, distanceBias: DistanceBias? = nil, rotary: RotaryEmbedding? = nil,
                 pool: ThreadPool) {
        let t = batch.totalTokens
        qkv.apply(ws.hidden, rows: t, into: ws.qkv, pool: pool)
        let headDim = h / heads
        if let rotary {   // Q and K are adjacent in each [Q | K | V] row: 2·heads heads from column 0
            Ops.rotary(ws.qkv, rowStride: 3 * h, batch: batch, heads: 2 * heads, headDim: headDim, table: rotary, pool: pool)
        }
        Attention.forward(q: ws.qkv, k: ws.qkv + h, v: ws.qkv + 2 * h, rowStride: 3 * h, out: ws.context,
                          batch: batch, heads: heads, headDim: headDim,
                          scale: 1 / Float(headDim).squareRoot(), alibiSlopes: alibiSlopes, distanceBias: distanceBias, pool: pool)
        attentionOutput.apply(ws.context, rows: t, into: ws.projected, pool: pool)
        // projected = LN(projected + hidden)
        attentionNorm.apply(ws.projected, residual: ws.hidden, rows: t, pool: pool)
        // ws.projected now holds X₁; the feed-forward writes its output into ws.hidden.
        switch feedForward {
        case .gelu(let intermediate, let output):
            intermediate.apply(ws.projected, rows: t, into: ws.inner, pool: pool, activation: .gelu)
            output.apply(ws.inner, rows: t, into: ws.hidden, pool: pool)
        case .gated(let activation, let gated, let output):
            gated.apply(ws.projected, rows: t, into: ws.wide, pool: pool)
            Ops.gatedUnit(ws.wide, into: ws.inner, rows: t, inner: gated.outFeatures / 2, activation: activation, pool: pool)
            output.apply(ws.inner, rows: t, into: ws.hidden, pool: pool)
        }
        outputNorm.apply(ws.hidden, residual: ws.projected, rows: t, pool: pool)
    }
}
