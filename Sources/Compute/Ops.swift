import Foundation

/// Elementwise and row-wise operations on row-major [rows, cols] buffers.
public enum Ops {
    /// x = LayerNorm(x + residual) over each row of `cols` values (biased variance, as PyTorch).
    public static func addLayerNorm(_ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                                    gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                    eps: Float, rows: Int, cols: Int, pool: ThreadPool) {
        pool.parallelChunks(rows, minimumChunk: 16) { range in
            for r in range {
                let row = x + r * cols
                if let residual {
                    let res = residual + r * cols
                    for c in 0..<cols { row[c] += res[c] }
                }
                var mean: Float = 0
                for c in 0..<cols { mean += row[c] }
                mean /= Float(cols)
                var variance: Float = 0
                for c in 0..<cols { let d = row[c] - mean; variance += d * d }
                variance /= Float(cols)
                let inv = 1 / (variance + eps).squareRoot()
                for c in 0..<cols { row[c] = (row[c] - mean) * inv * gamma[c] + beta[c] }
            }
        }
    }

    /// x = GELU(x) with the exact erf form ½x(1 + erf(x/√2)), in place.
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int, pool: ThreadPool) {
        pool.parallelChunks(count, minimumChunk: 4096) { range in
            for i in range { x[i] = geluScalar(x[i]) }
        }
    }

    /// out[r, j] = GELU(gated[r, j]) · gated[r, inner + j] for a [rows, 2·inner] input whose first
    /// half is the gate (JinaBERT's GEGLU).
    public static func geglu(_ gated: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                             rows: Int, inner: Int, pool: ThreadPool) {
        pool.parallelChunks(rows, minimumChunk: 16) { range in
            for r in range {
                let g = gated + r * 2 * inner
                let o = out + r * inner
                for j in 0..<inner { o[j] = geluScalar(g[j]) * g[inner + j] }
            }
        }
    }

    /// x = tanh(x), in place.
    public static func tanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = Foundation.tanh(x[i]) }
    }

    @inline(__always)
    static func geluScalar(_ v: Float) -> Float {
        0.5 * v * (1 + Float(erf(Double(v) * 0.7071067811865476)))
    }
}
