import Foundation

/// Straightforward scalar implementations (the first version of this module), kept as the
/// reference that tests and benchmarks compare the kernels with.
package enum Reference {
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

    /// IEEE binary16 bits to Float (exact).
    package static func halfToFloat(_ h: UInt16) -> Float {
        let sign: Float = h & 0x8000 != 0 ? -1 : 1
        let e = Int((h >> 10) & 0x1f), m = Float(h & 0x3ff)
        if e == 0 { return sign * m * 0x1p-24 }
        if e == 31 { return m == 0 ? sign * .infinity : .nan }
        return sign * (1 + m / 1024) * Float(sign: .plus, exponent: e - 15, significand: 1)
    }

    /// y = x·Wᵀ + b with W [n, k] row-major: one dot product per output (the original Linear.apply).
    package static func linear(_ x: UnsafePointer<Float>, rows: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               outFeatures n: Int, inFeatures k: Int, into y: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        pool.parallelChunks(rows) { range in
            for r in range {
                let xr = x + r * k
                let yr = y + r * n
                for o in 0..<n { yr[o] = dot(xr, weight + o * k, k) + (bias?[o] ?? 0) }
            }
        }
    }

    /// Full-softmax attention per (sequence, head), O(L) scores per query (the original Attention.forward).
    package static func attention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                  rowStride: Int, out: UnsafeMutablePointer<Float>,
                                  batch: SequenceBatch, heads: Int, headDim: Int, scale: Float,
                                  alibiSlopes: [Float]?, distanceBias: DistanceBias? = nil, pool: ThreadPool) {
        let outStride = heads * headDim
        pool.parallelFor(batch.count * heads) { job in
            let s = job / heads, h = job % heads
            let len = batch.lengths[s], base = batch.offsets[s]
            if len == 0 { return }
            let slope = alibiSlopes?[h] ?? 0
            var scores = [Float](repeating: 0, count: len)
            var acc = [Float](repeating: 0, count: headDim)
            scores.withUnsafeMutableBufferPointer { sc in
                acc.withUnsafeMutableBufferPointer { ac in
                    for i in 0..<len {
                        let qi = q + (base + i) * rowStride + h * headDim
                        var maxScore = -Float.infinity
                        for j in 0..<len {
                            var sj = dot(qi, k + (base + j) * rowStride + h * headDim, headDim) * scale
                            if slope != 0 { sj -= slope * Float(abs(i - j)) }
                            if let distanceBias { sj += distanceBias.value(head: h, distance: j - i) }
                            sc[j] = sj
                            if sj > maxScore { maxScore = sj }
                        }
                        var total: Float = 0
                        for j in 0..<len { let e = expf(sc[j] - maxScore); sc[j] = e; total += e }
                        for c in 0..<headDim { ac[c] = 0 }
                        for j in 0..<len {
                            let p = sc[j]
                            let vj = v + (base + j) * rowStride + h * headDim
                            for c in 0..<headDim { ac[c] += p * vj[c] }
                        }
                        let o = out + (base + i) * outStride + h * headDim
                        let inv = 1 / total
                        for c in 0..<headDim { o[c] = ac[c] * inv }
                    }
                }
            }
        }
    }

    /// x = LayerNorm(x + residual) row by row in Double (reference for the kernel).
    package static func addLayerNorm(_ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                                     gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = x + r * cols
            var vals = (0..<cols).map { Double(row[$0]) + Double(residual?[r * cols + $0] ?? 0) }
            let mean = vals.reduce(0, +) / Double(cols)
            let variance = vals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(cols)
            let inv = 1 / (variance + Double(eps)).squareRoot()
            for c in 0..<cols { vals[c] = (vals[c] - mean) * inv * Double(gamma[c]) + Double(beta[c]) }
            for c in 0..<cols { row[c] = Float(vals[c]) }
        }
    }

    /// GELU in Double via erfc (accurate in both tails).
    package static func gelu(_ x: Float) -> Double {
        let d = Double(x)
        return 0.5 * d * Foundation.erfc(-d * 0.7071067811865476)
    }
}
