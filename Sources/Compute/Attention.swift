import Foundation

/// Multi-head self-attention over a batch of variable-length sequences (no padding rows), with an
/// optional symmetric ALiBi bias −slope_h·|i−j|. Keys of other sequences are never seen, which is
/// the same as HF's key-padding mask.
public enum Attention {
    /// ALiBi slopes for `heads` heads, as the JinaBERT reference computes them (any head count).
    public static func alibiSlopes(heads: Int) -> [Float] {
        func powerOfTwo(_ n: Int) -> [Double] {
            let start = pow(2.0, -8.0 / Double(n))
            return (1...n).map { pow(start, Double($0)) }
        }
        if heads <= 0 { return [] }
        let p = 1 << Int(floor(log2(Double(heads))))
        if p == heads { return powerOfTwo(heads).map(Float.init) }
        let extra = powerOfTwo(2 * p).enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        return (powerOfTwo(p) + extra.prefix(heads - p)).map(Float.init)
    }

    /// out[t, h·d ..< (h+1)·d] = softmax(q·kᵀ·scale + bias)·v per sequence and head.
    /// `q`, `k`, `v` rows are `rowStride` floats apart (e.g. a fused [tokens, 3H] QKV buffer);
    /// `out` rows are `heads·headDim` floats apart.
    public static func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                               rowStride: Int, out: UnsafeMutablePointer<Float>,
                               batch: SequenceBatch, heads: Int, headDim: Int, scale: Float,
                               alibiSlopes: [Float]?, pool: ThreadPool) {
        let outStride = heads * headDim
        let jobs = batch.count * heads
        pool.parallelFor(jobs) { job in
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
                            var sj = Reference.dot(qi, k + (base + j) * rowStride + h * headDim, headDim) * scale
                            if slope != 0 { sj -= slope * Float(abs(i - j)) }
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
}
