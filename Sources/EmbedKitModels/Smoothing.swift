import EmbedKitCompute
import Foundation

/// The feed-forward's down projection at int8, smoothed (SmoothQuant, Xiao et al. 2023) with activation
/// magnitudes estimated from the weights that produce them, so no calibration data is needed.
///
/// The down projection's input (the GELU, GEGLU or SwiGLU output) has a few channels far larger than
/// the rest; with one int8 scale per row those channels flatten every other one. Channel j is divided
/// by s_j = a_j^α / max_i |W[i, j]|^(1−α) as the input is quantized and W's column j multiplied by it,
/// which leaves x·Wᵀ unchanged and moves part of the input's range onto the weights. a_j, the channel's
/// typical magnitude, is estimated from the layer that feeds it: for a row w of that layer after a norm (γ, β) and with bias
/// b, e(w) = ‖w ⊙ γ‖₂ + |w·β + b| (the spread of w·LN(x) when LN(x)'s normalized part has unit
/// variance, plus its offset); a_j = e(w_j) for a GELU feed-forward, e(gate_j)·e(up_j) for a gated one.
/// STS-B cost on all-MiniLM-L6-v2 (docs/precision.md) is measured, as for every int8 layer.
extension WeightLoader {
    /// SmoothQuant's migration strength: chosen on STS-B dev with all-MiniLM-L6-v2 (0.3, 0.4, 0.5, 0.6
    /// lost 0.0007, 0.0013, 0.0015, 0.0013 against fp32), reported on test (docs/precision.md).
    static let smoothingAlpha: Float = 0.3

    /// The down projection `prefix` ([out, in]): smoothed int8 at int8 precision, else as `linear`.
    /// `feeding`: the estimates a_j, called only at int8.
    func downProjection(_ prefix: String, out: Int, in inFeatures: Int, bias: Bool = true,
                        feeding estimate: () throws -> [Float]) throws -> Linear {
        guard precision == .int8 else { return try linear(prefix, out: out, in: inFeatures, bias: bias) }
        let weight = try vector2D(prefix + ".weight", [out, inFeatures])
        let a = try estimate()
        var columnMax = [Float](repeating: 0, count: inFeatures)
        for o in 0..<out {
            for i in 0..<inFeatures { columnMax[i] = max(columnMax[i], abs(weight[o * inFeatures + i])) }
        }
        let factors = (0..<inFeatures).map { i -> Float in
            let s = Foundation.pow(a[i], Self.smoothingAlpha) / Foundation.pow(columnMax[i], 1 - Self.smoothingAlpha)
            return s.isFinite && s > 0 ? s : 1
        }
        return Linear(weight: weight, smoothing: factors, bias: bias ? try vector(prefix + ".bias", out) : nil,
                      outFeatures: out, inFeatures: inFeatures)
    }

    /// e(w) for `count` rows of `prefix.weight` from row `first` ([*, in]) after the norm `norm`, with the
    /// layer's bias when `bias`.
    func rowMagnitudes(_ prefix: String, rows total: Int, first: Int = 0, count: Int, in n: Int, after norm: LayerNormWeights,
                       bias: Bool) throws -> [Float] {
        let w = try vector2D(prefix + ".weight", [total, n])
        let b = bias ? try vector(prefix + ".bias", total) : nil
        let gamma = norm.gamma, beta = norm.beta.isEmpty ? [Float](repeating: 0, count: n) : norm.beta   // RMSNorm: no β
        return (first ..< first + count).map { r in
            var spread = 0.0, offset = Double(b?[r] ?? 0)
            for k in 0..<n {
                let x = Double(w[r * n + k])
                spread += (x * Double(gamma[k])) * (x * Double(gamma[k]))
                offset += x * Double(beta[k])
            }
            return Float(spread.squareRoot() + abs(offset))
        }
    }
}

extension Array where Element == Float {
    /// Elementwise product (a gated unit's estimate: gate · up).
    func times(_ other: [Float]) -> [Float] { zip(self, other).map { $0 * $1 } }
}
