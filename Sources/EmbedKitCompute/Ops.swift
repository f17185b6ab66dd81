import EmbedKitCKernels
import Foundation

/// Elementwise and row-wise operations on row-major [rows, cols] buffers.
public enum Ops {
    /// x = LayerNorm(x + residual) over each row of `cols` values (biased variance, as PyTorch).
    public static func addLayerNorm(_ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                                    gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                    eps: Float, rows: Int, cols: Int, pool: ThreadPool) {
        let isa = pool.isa
        pool.parallelChunks(rows, minimumChunk: 16) { range in
            ek_add_layernorm(isa, x, residual, gamma, beta, eps, Int32(range.lowerBound), Int32(range.upperBound), Int32(cols))
        }
    }

    /// RMSNorm in place: in each of `rows` rows (`rowStride` floats apart), each of `groups` consecutive
    /// groups of `cols` values g becomes g · gamma / √(mean(g²) + eps), as transformers' Qwen3RMSNorm
    /// (float32). `groups` > 1 normalizes each head of a Q or K row on its own.
    public static func rmsNorm(_ x: UnsafeMutablePointer<Float>, rowStride: Int, rows: Int, groups: Int = 1, cols: Int,
                               gamma: UnsafePointer<Float>, eps: Float, pool: ThreadPool) {
        let isa = pool.isa
        pool.parallelChunks(rows, minimumChunk: 16) { range in
            ek_rmsnorm(isa, x, Int32(rowStride), Int32(range.lowerBound), Int32(range.upperBound), Int32(groups), Int32(cols),
                       gamma, eps)
        }
    }

    /// x = GELU(x) with the exact erf form ½x(1 + erf(x/√2)), in place.
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int, pool: ThreadPool) {
        let isa = pool.isa
        pool.parallelChunks(count, minimumChunk: 4096) { range in
            ek_gelu(isa, x + range.lowerBound, range.count)
        }
    }

    /// The activation of a gated feed-forward unit.
    public enum GatedActivation: Int32, Sendable {
        /// GEGLU (JinaBERT, ModernBERT): GELU, erf form.
        case gelu = 1
        /// SwiGLU (NomicBERT, Qwen3): SiLU, x·σ(x).
        case silu = 2
    }

    /// out[r, j] = act(gated[r, j]) · gated[r, inner + j] for a [rows, 2·inner] input whose first half is
    /// the gate.
    public static func gatedUnit(_ gated: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                 rows: Int, inner: Int, activation: GatedActivation, pool: ThreadPool) {
        let isa = pool.isa
        pool.parallelChunks(rows, minimumChunk: 16) { range in
            ek_glu(isa, gated, out, Int32(range.lowerBound), Int32(range.upperBound), Int32(inner), activation.rawValue)
        }
    }

    /// Applies `rotary` in place to the first `heads` heads of every row of `x` (rows `rowStride` apart,
    /// heads `headDim` apart): each sequence of `batch` from position 0.
    public static func rotary(_ x: UnsafeMutablePointer<Float>, rowStride: Int, batch: SequenceBatch, heads: Int,
                              headDim: Int, table rotary: RotaryEmbedding, pool: ThreadPool) {
        precondition(headDim == rotary.dimension, "rotary: head dimension \(headDim), table \(rotary.dimension)")
        precondition(batch.maxLength <= rotary.positions, "rotary: \(batch.maxLength) positions, table \(rotary.positions)")
        let isa = pool.isa, block = 64
        var jobs = [(sequence: Int, rows: Range<Int>)]()
        for (s, length) in batch.lengths.enumerated() {
            for start in stride(from: 0, to: length, by: block) { jobs.append((s, start ..< min(length, start + block))) }
        }
        rotary.cos.withUnsafeBufferPointer { c in
            rotary.sin.withUnsafeBufferPointer { s in
                pool.parallelFor(jobs.count) { j in
                    let job = jobs[j]
                    ek_rotary(isa, x + batch.offsets[job.sequence] * rowStride, Int32(rowStride), Int32(job.rows.lowerBound),
                              Int32(job.rows.upperBound), Int32(heads), Int32(headDim), c.baseAddress, s.baseAddress)
                }
            }
        }
    }

    /// x = tanh(x), in place.
    public static func tanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = Foundation.tanh(x[i]) }
    }
}

/// The vectorised transcendental functions of the kernels, exposed for accuracy tests.
package enum VectorMath {
    package static func exp(_ x: [Float], pool: ThreadPool) -> [Float] { run(x) { ek_vexp(pool.isa, $0, $1, $2) } }
    package static func erf(_ x: [Float], pool: ThreadPool) -> [Float] { run(x) { ek_verf(pool.isa, $0, $1, $2) } }
    package static func erfc(_ x: [Float], pool: ThreadPool) -> [Float] { run(x) { ek_verfc(pool.isa, $0, $1, $2) } }
    package static func gelu(_ x: [Float], pool: ThreadPool) -> [Float] {
        var y = x
        y.withUnsafeMutableBufferPointer { ek_gelu(pool.isa, $0.baseAddress, $0.count) }
        return y
    }

    private static func run(_ x: [Float], _ f: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        if x.isEmpty { return y }
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { f(xp.baseAddress!, $0.baseAddress!, x.count) } }
        return y
    }
}
