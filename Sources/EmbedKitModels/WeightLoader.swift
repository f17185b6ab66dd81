import EmbedKitCompute
import EmbedKitFormats

/// Builds compute objects from named checkpoint tensors, checking every shape.
struct WeightLoader {
    let store: TensorStore
    /// The precision every Linear built here computes in (embeddings and LayerNorms stay fp32).
    var precision: ComputePrecision = .fp32
    /// The base-model prefix of the family's checkpoints: BERT-family weights are saved with it
    /// (`bert.encoder...`, from a `BertForX` head) or without it (`encoder...`, from `BertModel`).
    var basePrefix = "bert."

    /// The name `name` has in this checkpoint: as given, with the base prefix, or without it.
    func resolved(_ name: String) -> String? {
        for candidate in [name, basePrefix + name, name.hasPrefix(basePrefix) ? String(name.dropFirst(basePrefix.count)) : name]
        where store.tensor(candidate) != nil {
            return candidate
        }
        return nil
    }

    func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
        try store.require(resolved(name) ?? name, shape: shape)
    }

    func vector(_ name: String, _ n: Int) throws -> [Float] {
        let t = try tensor(name, [n])
        defer { t.releasePages() }
        return t.floats()
    }

    /// A 2-D tensor's values, row-major.
    func vector2D(_ name: String, _ shape: [Int]) throws -> [Float] {
        let t = try tensor(name, shape)
        defer { t.releasePages() }
        return t.floats()
    }

    /// A LayerNorm's weight and bias (HF names `.weight`/`.bias`; very old checkpoints `.gamma`/`.beta`);
    /// without `bias` (ModernBERT's `norm_bias: false`) β is 0.
    func layerNorm(_ prefix: String, _ n: Int, eps: Float, bias: Bool = true) throws -> LayerNormWeights {
        if resolved(prefix + ".weight") == nil, resolved(prefix + ".gamma") != nil {
            return LayerNormWeights(gamma: try vector(prefix + ".gamma", n), beta: try vector(prefix + ".beta", n), eps: eps)
        }
        return LayerNormWeights(gamma: try vector(prefix + ".weight", n),
                                beta: bias ? try vector(prefix + ".bias", n) : [Float](repeating: 0, count: n), eps: eps)
    }

    /// A Linear layer from `prefix.weight` [out, in] and, when `bias`, `prefix.bias` [out].
    func linear(_ prefix: String, out: Int, in inFeatures: Int, bias: Bool = true) throws -> Linear {
        try fused([prefix], out: out, in: inFeatures, bias: bias)
    }

    /// Several Linear layers with the same input stacked into one (e.g. Q, K, V → [3H, H]), kept in
    /// the checkpoint's precision when every part is fp16 (or bf16): the kernel widens them. At bf16 or
    /// int8 precision the weights are converted here, from the stored bits without an fp32 copy.
    func fused(_ prefixes: [String], out: Int, in inFeatures: Int, bias: Bool = true) throws -> Linear {
        try fused(prefixes, outs: prefixes.map { _ in out }, in: inFeatures, bias: bias)
    }

    /// Stacked Linear layers of different output widths (grouped-query attention's Q, K, V).
    func fused(_ prefixes: [String], outs: [Int], in inFeatures: Int, bias: Bool = true) throws -> Linear {
        let weights = try zip(prefixes, outs).map { try tensor($0 + ".weight", [$1, inFeatures]) }
        defer { for w in weights { w.releasePages() } }
        let biases: [Float]? = bias ? try zip(prefixes, outs).flatMap { try vector($0 + ".bias", $1) } : nil
        let total = outs.reduce(0, +)
        let dtype = weights[0].dtype
        if dtype != .float32, weights.allSatisfy({ $0.dtype == dtype }) {
            return Linear(weightBits: weights.flatMap { $0.halfBits() }, isFloat16: dtype == .float16, bias: biases,
                          outFeatures: total, inFeatures: inFeatures, precision: precision)
        }
        return Linear(weight: weights.flatMap { $0.floats() }, bias: biases, outFeatures: total, inFeatures: inFeatures,
                      precision: precision)
    }
}

/// γ, β and ε of one LayerNorm, or γ and ε of an RMSNorm.
struct LayerNormWeights: Sendable {
    let gamma: [Float]
    let beta: [Float]
    let eps: Float
    /// RMSNorm (no centring, no β): x · γ / √(mean(x²) + ε).
    var rms = false

    /// An RMSNorm over `gamma.count` values.
    static func rms(gamma: [Float], eps: Float) -> LayerNormWeights {
        LayerNormWeights(gamma: gamma, beta: [], eps: eps, rms: true)
    }

    /// x = LN(x + residual) over rows of `gamma.count` values (an RMSNorm takes no residual); `groups`
    /// consecutive groups of `gamma.count` values per row, rows `rowStride` apart (RMSNorm only).
    func apply(_ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?, rows: Int, pool: ThreadPool,
               groups: Int = 1, rowStride: Int? = nil) {
        if rms {
            precondition(residual == nil, "RMSNorm takes no residual")
            gamma.withUnsafeBufferPointer { g in
                Ops.rmsNorm(x, rowStride: rowStride ?? groups * gamma.count, rows: rows, groups: groups, cols: gamma.count,
                            gamma: g.baseAddress!, eps: eps, pool: pool)
            }
            return
        }
        precondition(groups == 1 && rowStride == nil, "LayerNorm over whole rows only")
        gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
                Ops.addLayerNorm(x, residual: residual, gamma: g.baseAddress!, beta: b.baseAddress!,
                                 eps: eps, rows: rows, cols: gamma.count, pool: pool)
            }
        }
    }
}
