import Foundation

/// Reader for the safetensors format: an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the data.
/// The file is memory-mapped; every offset is bounds-checked before use.
public enum SafeTensors {
    /// Element sizes of the safetensors dtypes that are valid but not model weights here.
    static let otherDTypeSizes: [String: Int] = [
        "F64": 8, "I64": 8, "U64": 8, "I32": 4, "U32": 4, "I16": 2, "U16": 2,
        "I8": 1, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1,
    ]

    public static func load(_ url: URL) throws -> TensorStore {
        let file = url.path
        guard FileManager.default.fileExists(atPath: file) else { throw FormatError.fileNotFound(file) }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw FormatError.malformed(file: file, reason: "cannot read: \(error.localizedDescription)")
        }
        return try parse(data, file: file, isFileMapped: true)
    }

    public static func parse(_ data: Data, file: String, isFileMapped: Bool = false) throws -> TensorStore {
        func bad(_ r: String) -> FormatError { .malformed(file: file, reason: r) }
        guard data.count >= 8 else { throw bad("file is shorter than the 8-byte header length") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8), headerLength <= 100_000_000 else {
            throw bad("header length \(headerLength) exceeds the file size \(data.count)")
        }
        let start = data.startIndex
        let headerData = data.subdata(in: start + 8 ..< start + 8 + Int(headerLength))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw bad("header is not a JSON object")
        }
        let dataStart = 8 + Int(headerLength)
        let dataSize = data.count - dataStart
        var tensors: [String: Tensor] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shapeAny = entry["shape"] as? [Any],
                  let offsetsAny = entry["data_offsets"] as? [Any], offsetsAny.count == 2
            else { throw bad("tensor '\(name)' has no valid dtype/shape/data_offsets") }
            let dtype = DType(rawValue: dtypeName)
            guard let elementSize = dtype?.byteSize ?? otherDTypeSizes[dtypeName] else {
                throw FormatError.unsupported(file: file, reason: "tensor '\(name)' has unknown dtype \(dtypeName); supported: F32, F16, BF16")
            }
            var shape: [Int] = []
            var count = 1
            for d in shapeAny {
                guard let n = Self.count(d), n < (1 << 40) else { throw bad("tensor '\(name)' has an invalid shape") }
                shape.append(n)
                let (p, o) = count.multipliedReportingOverflow(by: n)
                guard !o else { throw bad("tensor '\(name)' shape overflows") }
                count = p
            }
            guard let b = Self.count(offsetsAny[0]), let e = Self.count(offsetsAny[1]),
                  e >= b, e <= dataSize
            else { throw bad("tensor '\(name)' data_offsets are outside the file") }
            let (needed, o) = count.multipliedReportingOverflow(by: elementSize)
            guard !o, e - b == needed else {
                throw bad("tensor '\(name)' has \(e - b) bytes, but shape \(shape) of \(dtypeName) needs \(count) × \(elementSize)")
            }
            // Integer/F64 tensors (e.g. the I64 `embeddings.position_ids` buffer many BERT
            // checkpoints carry) are checked but not loaded: no model weight uses them.
            guard let dtype else { continue }
            // A slice shares the mapping: no copy until the model packs its weights.
            let bytes = data[start + dataStart + b ..< start + dataStart + e]
            tensors[name] = Tensor(name: name, shape: shape, dtype: dtype, bytes: bytes, isFileMapped: isFileMapped)
        }
        return TensorStore(file: file, tensors: tensors)
    }

    /// A JSON number that is a non-negative integer (below 2^53), else nil: 1.5, -1 and 1e30 are
    /// rejected rather than truncated or wrapped.
    static func count(_ any: Any) -> Int? {
        guard let n = any as? NSNumber else { return nil }
        let d = n.doubleValue
        guard d >= 0, d < 9_007_199_254_740_992, d.rounded(.towardZero) == d else { return nil }
        return Int(d)
    }
}
