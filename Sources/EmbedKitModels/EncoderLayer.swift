import EmbedKitCompute

/// One transformer block, post-LayerNorm (BERT) or pre-LayerNorm (ModernBERT), with a GELU or a gated
/// feed-forward, rotary positions of its own base and an attention window where the family says so.
struct EncoderLayer: Sendable {
    /// Where the two LayerNorms sit.
    enum NormPlacement: Sendable {
        /// x₁ = LN(x + Attn(x)); y = LN(x₁ + FFN(x₁)).
        case post
        /// x₁ = x + Attn(LN(x)) (no LN where `attentionNorm` is nil: ModernBERT's first layer);
        /// y = x₁ + FFN(LN(x₁)).
        case pre
    }
    enum FeedForward: Sendable {
        /// BERT: GELU(x·W₁ᵀ + b₁)·W₂ᵀ + b₂.
        case gelu(intermediate: Linear, output: Linear)
        /// A gated unit, GEGLU or SwiGLU: (act(gate) ⊙ up)·W₂ᵀ + b₂ with [gate | up] = x·Wgᵀ (gate first).
        case gated(Ops.GatedActivation, gated: Linear, output: Linear)

        /// A gated unit whose int8 projection computes act(gate)·up in its epilogue where it can
        /// (`Linear.fusingGatedUnit`), else the two steps.
        static func gatedUnit(_ activation: Ops.GatedActivation, gated: Linear, output: Linear) -> FeedForward {
            .gated(activation, gated: gated.fusingGatedUnit(activation) ?? gated, output: output)
        }

        /// The [rows, 2·inner] product of an unfused gated unit is written out (`Workspace.wide`).
        var writesGatedProduct: Bool {
            if case .gated(_, let gated, _) = self { return gated.gatedActivation == nil }
            return false
        }

        /// The two Linear layers, in order.
        var linears: (Linear, Linear) {
            switch self {
            case .gelu(let a, let b), .gated(_, let a, let b): return (a, b)
            }
        }
    }

    /// Fused [Q | K | V] projection, [Q + 2·KV, H] (`AttentionShape.qkvWidth` rows; 3H without grouping).
    let qkv: Linear
    let attentionOutput: Linear
    /// Post: after the attention's residual sum. Pre: before the attention (nil: none).
    let attentionNorm: LayerNormWeights?
    let feedForward: FeedForward
    /// Post: after the feed-forward's residual sum. Pre: before the feed-forward.
    let outputNorm: LayerNormWeights
    var placement: NormPlacement = .post
    /// Rotary families: this layer's base θ (ModernBERT's global and local layers differ).
    var rotaryBase: Float? = nil
    /// The keys each query sees (ModernBERT's local layers, a decoder's causal mask); nil: all of its sequence.
    var window: AttentionWindow? = nil
    /// Qwen3: an RMSNorm over each head of Q and of K, before rotary.
    var queryNorm: LayerNormWeights? = nil
    var keyNorm: LayerNormWeights? = nil
}

/// The widths of a layer's attention: query heads, key/value heads (grouped-query attention: fewer)
/// and the head dimension, which need not be hidden / heads (Qwen3).
struct AttentionShape: Sendable {
    let hidden: Int
    let heads: Int
    let keyValueHeads: Int
    let headDim: Int

    init(_ config: TransformerConfig) {
        hidden = config.hiddenSize
        heads = config.heads
        keyValueHeads = config.kvHeads
        headDim = config.headDim
    }

    var queryWidth: Int { heads * headDim }
    var keyValueWidth: Int { keyValueHeads * headDim }
    /// One row of the fused [Q | K | V] projection.
    var qkvWidth: Int { queryWidth + 2 * keyValueWidth }
}

/// Per-forward scratch buffers, sized for `tokens` rows.
final class Workspace {
    let hidden: UnsafeMutablePointer<Float>     // [T, H]   layer input / output
    let qkv: UnsafeMutablePointer<Float>        // [T, Q + 2·KV]
    let context: UnsafeMutablePointer<Float>    // [T, max(Q, H)]: attention output; pre-norm: LN of the residual
    let projected: UnsafeMutablePointer<Float>  // [T, H]
    let wide: UnsafeMutablePointer<Float>       // [T, 2I], unfused gated layers only
    let inner: UnsafeMutablePointer<Float>      // [T, I]

    /// `gated`: some layer writes a gated unit's [T, 2I] product (it needs `wide`).
    init(tokens: Int, shape: AttentionShape, intermediate i: Int, gated: Bool) {
        let h = shape.hidden
        let sizes = [tokens * h, tokens * shape.qkvWidth, tokens * max(h, shape.queryWidth), tokens * h,
                     gated ? tokens * 2 * i : 0, tokens * i]
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
    /// ws.hidden ← layer(ws.hidden) for every token of `batch`. `rotary`: tables by base θ, one for
    /// this layer's `rotaryBase`.
    func forward(_ ws: Workspace, batch: SequenceBatch, shape: AttentionShape,
                 alibiSlopes: [Float]?, distanceBias: DistanceBias? = nil, rotary: [Float: RotaryEmbedding] = [:],
                 pool: ThreadPool) {
        let t = batch.totalTokens, h = shape.hidden, width = shape.qkvWidth, d = shape.headDim
        // Pre-norm: the attention reads LN(x), written to ws.projected; x stays in ws.hidden.
        var attentionInput = UnsafePointer(ws.hidden)
        if placement == .pre, let attentionNorm {
            ws.projected.update(from: ws.hidden, count: t * h)
            attentionNorm.apply(ws.projected, residual: nil, rows: t, pool: pool)
            attentionInput = UnsafePointer(ws.projected)
        }
        qkv.apply(attentionInput, rows: t, into: ws.qkv, pool: pool)
        queryNorm?.apply(ws.qkv, residual: nil, rows: t, pool: pool, groups: shape.heads, rowStride: width)
        keyNorm?.apply(ws.qkv + shape.queryWidth, residual: nil, rows: t, pool: pool, groups: shape.keyValueHeads, rowStride: width)
        if let base = rotaryBase, let table = rotary[base] {   // Q's and K's heads are adjacent in each [Q | K | V] row
            Ops.rotary(ws.qkv, rowStride: width, batch: batch, heads: shape.heads + shape.keyValueHeads, headDim: d,
                       table: table, pool: pool)
        }
        Attention.forward(q: ws.qkv, k: ws.qkv + shape.queryWidth, v: ws.qkv + shape.queryWidth + shape.keyValueWidth,
                          rowStride: width, out: ws.context, batch: batch, heads: shape.heads, headDim: d,
                          scale: 1 / Float(d).squareRoot(), alibiSlopes: alibiSlopes, distanceBias: distanceBias,
                          window: window, keyValueHeads: shape.keyValueHeads,
                          reducedPrecision: qkv.storage.isReducedPrecision, pool: pool)
        switch placement {
        case .post:
            attentionOutput.apply(ws.context, rows: t, into: ws.projected, pool: pool)
            // projected = LN(projected + hidden)
            attentionNorm?.apply(ws.projected, residual: ws.hidden, rows: t, pool: pool)
            // ws.projected now holds X₁; the feed-forward writes its output into ws.hidden.
            feedForward(ws.projected, into: ws.hidden, ws, rows: t, pool: pool)
            outputNorm.apply(ws.hidden, residual: ws.projected, rows: t, pool: pool)
        case .pre:
            // X₁ = x + Attn → ws.projected; the feed-forward reads LN(X₁) from ws.context and adds X₁ back.
            attentionOutput.apply(ws.context, rows: t, into: ws.projected, pool: pool, residual: ws.hidden)
            ws.context.update(from: ws.projected, count: t * h)
            outputNorm.apply(ws.context, residual: nil, rows: t, pool: pool)
            feedForward(ws.context, into: ws.hidden, ws, rows: t, pool: pool, residual: ws.projected)
        }
    }

    /// out = FFN(x) (+ residual), through ws.inner (and ws.wide for a gated unit).
    private func feedForward(_ x: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>, _ ws: Workspace,
                             rows t: Int, pool: ThreadPool, residual: UnsafePointer<Float>? = nil) {
        switch feedForward {
        case .gelu(let intermediate, let output):
            intermediate.apply(x, rows: t, into: ws.inner, pool: pool, activation: .gelu)
            output.apply(ws.inner, rows: t, into: out, pool: pool, residual: residual)
        case .gated(let activation, let gated, let output):
            if gated.gatedActivation != nil {
                gated.apply(x, rows: t, into: ws.inner, pool: pool)
            } else {
                gated.apply(x, rows: t, into: ws.wide, pool: pool)
                Ops.gatedUnit(ws.wide, into: ws.inner, rows: t, inner: gated.outFeatures / 2, activation: activation, pool: pool)
            }
            output.apply(ws.inner, rows: t, into: out, pool: pool, residual: residual)
        }
    }
}
