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

    /// x = GELU(x) with the exact erf form ½x(1 + erf(x/√2)), in place.
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int, pool: ThreadPool) {
        let isa = pool.isa
        pool.parallelChunks(count, minimumChunk: 4096) { range in
            ek_gelu(isa, x + range.lowerBound, range.count)
        }
    }

    /// out[r, j] = GELU(gated[r, j]) · gated[r, inner + j] for a [rows, 2·inner] input whose first
    /// half is the gate (JinaBERT's GEGLU).
    public static func geglu(_ gated: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                             rows: Int, inner: Int, pool: ThreadPool) {
        let isa = pool.isa
        pool.parallelChunks(rows, minimumChunk: 16) { range in
            ek_geglu(isa, gated, out, Int32(range.lowerBound), Int32(range.upperBound), Int32(inner))
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
