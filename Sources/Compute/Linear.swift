/// A fully connected layer y = x·Wᵀ + b with W stored as PyTorch's `Linear.weight` [out, in].
/// Weights are prepared once at load into the kernel's layout; fp16 weights may stay 16-bit.
public final class Linear: @unchecked Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    let weight: [Float]   // [out, in]
    let bias: [Float]?

    /// `weight` is row-major [outFeatures, inFeatures]; `bias` has outFeatures values.
    public init(weight: [Float], bias: [Float]?, outFeatures: Int, inFeatures: Int) {
        precondition(weight.count == outFeatures * inFeatures)
        precondition(bias == nil || bias!.count == outFeatures)
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = weight
        self.bias = bias
    }

    /// Bytes of weight memory held.
    public var memoryBytes: Int { (weight.count + (bias?.count ?? 0)) * 4 }

    /// y[rows, out] = x[rows, in]·Wᵀ + b. `x` and `y` are row-major and must not overlap.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let n = outFeatures, k = inFeatures
        let bias = self.bias
        weight.withUnsafeBufferPointer { w in
            let wp = w.baseAddress!
            pool.parallelChunks(rows) { range in
                for r in range {
                    let xr = x + r * k
                    let yr = y + r * n
                    for o in 0..<n {
                        yr[o] = Reference.dot(xr, wp + o * k, k) + (bias?[o] ?? 0)
                    }
                }
            }
        }
    }
}

enum Reference {
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += va * vb
            i += 8
        }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }
}
