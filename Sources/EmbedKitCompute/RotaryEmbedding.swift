import Foundation

/// The cos/sin tables of rotary position embeddings (RoPE, rotate-half form) for positions
/// 0 ..< `positions` and a head dimension `dimension`, computed in Float as transformers'
/// default rope does: inv_freq[i] = 1 / base^(2i / d) (float32), angle = position · inv_freq[i]
/// (one float32 product), then cos and sin of it. Row p holds d/2 values.
public struct RotaryEmbedding: Sendable {
    public let base: Float
    public let dimension: Int
    public let positions: Int
    let cos: [Float]
    let sin: [Float]

    public init(base: Float, dimension: Int, positions: Int) {
        precondition(dimension > 0 && dimension % 2 == 0, "rotary: head dimension \(dimension) must be even")
        self.base = base
        self.dimension = dimension
        self.positions = positions
        let half = dimension / 2
        let inverse = (0..<half).map { 1 / Foundation.pow(base, Float(2 * $0) / Float(dimension)) }
        var c = [Float](repeating: 0, count: positions * half), s = c
        for p in 0..<positions {
            for i in 0..<half {
                let angle = Float(p) * inverse[i]
                c[p * half + i] = Foundation.cos(angle)
                s[p * half + i] = Foundation.sin(angle)
            }
        }
        cos = c
        sin = s
    }

    /// cos and sin of position `p`, frequency `i` (for tests).
    public func angle(position p: Int, frequency i: Int) -> (cos: Float, sin: Float) {
        (cos[p * dimension / 2 + i], sin[p * dimension / 2 + i])
    }
}
