/// Output quantization as sentence-transformers' `quantize_embeddings(embeddings, precision)` defines it
/// (named `precision` there; not the precision the model computes in).
public enum EmbeddingPrecision: String, Sendable, CaseIterable, Codable {
    /// float32 values as computed.
    case float32 = "float"
    /// Per dimension, (x − min) / ((max − min) / 255) − 128, cut toward zero: −128…127.
    case int8
    /// Per dimension, (x − min) / ((max − min) / 255), cut toward zero: 0…255.
    case uint8
    /// Sign bits (x > 0) packed 8 per byte, first dimension in the high bit, minus 128: −128…127.
    case binary
    /// Sign bits packed as `binary`, unsigned: 0…255.
    case ubinary

    /// Values per vector of `dimensions` floats.
    public func count(dimensions: Int) -> Int {
        switch self {
        case .float32, .int8, .uint8: return dimensions
        case .binary, .ubinary: return (dimensions + 7) / 8
        }
    }
}

/// The calibration of int8/uint8: each dimension's minimum and maximum.
public struct QuantizationRanges: Sendable, Equatable {
    public var minimum: [Float]
    public var maximum: [Float]

    public init(minimum: [Float], maximum: [Float]) {
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Each dimension's minimum and maximum over `vectors`: what sentence-transformers computes from the
    /// batch being quantized when given no calibration embeddings.
    public init(of vectors: [[Float]]) {
        let width = vectors.first?.count ?? 0
        minimum = [Float](repeating: .infinity, count: width)
        maximum = [Float](repeating: -.infinity, count: width)
        for v in vectors {
            for c in 0..<min(width, v.count) {
                minimum[c] = Swift.min(minimum[c], v[c])
                maximum[c] = Swift.max(maximum[c], v[c])
            }
        }
    }
}

public enum Quantization {
    /// `vectors` at `precision`, as integers (floats are returned unchanged by `float32`; use the vectors).
    /// int8/uint8 use `ranges` (nil: the batch's own, as sentence-transformers does). Where
    /// sentence-transformers is undefined EmbedKit says what it does: a dimension whose range is empty
    /// (max = min) maps to the bottom of the scale, values outside given ranges are clamped, and a
    /// dimension count that is not a multiple of 8 is padded with zero bits per vector.
    public static func quantize(_ vectors: [[Float]], precision: EmbeddingPrecision,
                                ranges: QuantizationRanges? = nil) throws -> [[Int]] {
        switch precision {
        case .float32:
            throw EmbedKitError.invalidOption("float32 vectors are not quantized")
        case .binary, .ubinary:
            let offset = precision == .binary ? -128 : 0
            return vectors.map { v in
                var out = [Int](repeating: 0, count: (v.count + 7) / 8)
                for (c, x) in v.enumerated() where x > 0 { out[c / 8] |= 0x80 >> (c % 8) }
                return offset == 0 ? out : out.map { $0 + offset }
            }
        case .int8, .uint8:
            let r = ranges ?? QuantizationRanges(of: vectors)
            let width = vectors.first?.count ?? 0
            guard r.minimum.count == width && r.maximum.count == width else {
                throw EmbedKitError.invalidOption("quantization ranges have \(r.minimum.count) and \(r.maximum.count) values for vectors of \(width)")
            }
            let steps = zip(r.minimum, r.maximum).map { ($1 - $0) / 255 }
            let shift: Float = precision == .int8 ? 128 : 0
            return vectors.map { v in
                (0..<width).map { c in
                    let q: Float = steps[c] > 0 ? (v[c] - r.minimum[c]) / steps[c] : 0
                    return Int((Swift.min(Swift.max(q, 0), 255) - shift).rounded(.towardZero))
                }
            }
        }
    }
}
