import EmbedKit
import Foundation

/// What a request asks of its vectors after the engine: Matryoshka sizes (one, or several at once),
/// normalization, and how the values are written — floats, OpenAI's base64 of little-endian float32,
/// or sentence-transformers' `quantize_embeddings` precisions (int8, uint8, binary, ubinary).
struct EmbeddingOutput: Sendable {
    enum Format: Sendable, Equatable {
        case float, base64
        case quantized(EmbeddingPrecision)

        /// "float", "base64", "int8", "uint8", "binary" or "ubinary".
        init(request s: String, param: String) throws {
            switch s {
            case "float": self = .float
            case "base64": self = .base64
            default:
                guard let p = EmbeddingPrecision(rawValue: s), p != .float32 else {
                    throw APIError.invalid(
                        "\(param) must be \"float\", \"base64\", \"int8\", \"uint8\", \"binary\" or \"ubinary\", got \"\(s)\"",
                        param: param)
                }
                self = .quantized(p)
            }
        }
    }

    /// One value of an input at one size.
    enum Value {
        case floats([Float])
        case base64(String)
        case integers([Int])
    }

    /// The sizes to return; nil: the model's full width.
    let sizes: [Int?]
    /// The request gave `dimensions` as a list: each input's vectors are written keyed by size.
    let keyed: Bool
    let normalize: Bool
    let format: Format
    let ranges: QuantizationRanges?

    init(dimensions: RequestDimensions?, normalize: Bool, format: Format, ranges: [[Float]]?, info: ModelInfo) throws {
        let sizes = dimensions?.sizes ?? []
        if dimensions?.isList == true {
            if sizes.isEmpty { throw APIError.invalid("dimensions must not be an empty list", param: "dimensions") }
            if Set(sizes).count != sizes.count { throw APIError.invalid("dimensions lists a size twice", param: "dimensions") }
        }
        for k in sizes {
            do {
                try Postprocessing(dimensions: k).validate(modelDimension: info.dimension,
                                                           matryoshkaDimensions: info.matryoshkaDimensions)
            } catch EmbedKitError.invalidOption(let why) {
                throw APIError.invalid(why, param: "dimensions")
            }
        }
        self.sizes = sizes.isEmpty ? [nil] : sizes
        keyed = dimensions?.isList ?? false
        self.normalize = normalize
        self.format = format
        if let ranges {
            guard case .quantized(let p) = format, p == .int8 || p == .uint8 else {
                throw APIError.invalid("quantization_ranges applies to the int8 and uint8 formats only", param: "quantization_ranges")
            }
            guard ranges.count == 2, ranges[0].count == ranges[1].count, !ranges[0].isEmpty else {
                throw APIError.invalid("quantization_ranges must be [[minimum per dimension], [maximum per dimension]]",
                                       param: "quantization_ranges")
            }
            self.ranges = QuantizationRanges(minimum: ranges[0], maximum: ranges[1])
        } else {
            self.ranges = nil
        }
    }

    /// Per input, one value per size. int8/uint8 without `quantization_ranges` take each dimension's
    /// range over this request's vectors, as sentence-transformers does without calibration data.
    func values(_ vectors: [[Float]]) throws -> [[Value]] {
        var out = [[Value]](repeating: [], count: vectors.count)
        for k in sizes {
            let post = Postprocessing(dimensions: k, normalize: normalize)
            let sized = vectors.map(post.apply)
            if sized.contains(where: { $0.contains(where: { !$0.isFinite }) }) {
                throw APIError(.internalServerError, .server, "the engine produced a non-finite value (NaN or infinity)")
            }
            let values: [Value]
            switch format {
            case .float: values = sized.map { .floats($0) }
            case .base64: values = sized.map { .base64(Self.base64($0)) }
            case .quantized(let p):
                do {
                    values = try Quantization.quantize(sized, precision: p, ranges: ranges).map { .integers($0) }
                } catch EmbedKitError.invalidOption(let why) {
                    throw APIError.invalid(why, param: "quantization_ranges")
                }
            }
            for i in values.indices { out[i].append(values[i]) }
        }
        return out
    }

    /// One input's values: the value itself, or `{"256": ..., "1792": ...}` when `dimensions` was a list.
    func write(_ values: [Value], into json: inout JSONWriter) {
        guard keyed else { return Self.write(values[0], into: &json) }
        json.raw("{")
        for (n, (k, v)) in zip(sizes, values).enumerated() {
            if n > 0 { json.raw(",") }
            json.string(String(k ?? 0))
            json.raw(":")
            Self.write(v, into: &json)
        }
        json.raw("}")
    }

    private static func write(_ value: Value, into json: inout JSONWriter) {
        switch value {
        case .floats(let v): json.floats(v)
        case .base64(let s): json.string(s)
        case .integers(let v):
            json.raw("[")
            for (i, x) in v.enumerated() {
                if i > 0 { json.raw(",") }
                json.int(x)
            }
            json.raw("]")
        }
    }

    /// Little-endian float32 bytes, base64-encoded: OpenAI's `encoding_format: "base64"`.
    static func base64(_ v: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(v.count * 4)
        for x in v {
            withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
