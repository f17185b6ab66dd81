import Foundation

/// Reader for the safetensors format: an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the data.
/// The file is memory-mapped; every offset is bounds-checked before use.
public enum SafeTensors {
    static let skippedDTypes: Set<String> = ["I64", "I32", "I16", "I8", "U8", "U16", "U32", "U64", "BOOL", "F64"]

    public static func load(_ url: URL) throws -> TensorStore {
        let file = url.path
        guard FileManager.default.fileExists(atPath: file) else { throw FormatError.fileNotFound(file) }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw FormatError.malformed(file: file, reason: "cannot read: \(error.localizedDescription)")
        }
        return try parse(data, file: file)
    }

    public static func parse(_ data: Data, file: String) throws -> TensorStore {
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
            guard let dtype = DType(rawValue: dtypeName) else {
                // Integer and f64 buffers (e.g. BERT's `embeddings.position_ids`) are not weights: skip them.
                if skippedDTypes.contains(dtypeName) { continue }
                throw FormatError.unsupported(file: file, reason: "tensor '\(name)' has dtype \(dtypeName); supported: F32, F16, BF16")
            }
            var shape: [Int] = []
            var count = 1
            for d in shapeAny {
                guard let n = (d as? NSNumber)?.intValue, n >= 0, n < (1 << 40) else { throw bad("tensor '\(name)' has an invalid shape") }
                shape.append(n)
                let (p, o) = count.multipliedReportingOverflow(by: n)
                guard !o else { throw bad("tensor '\(name)' shape overflows") }
                count = p
            }
            guard let b = (offsetsAny[0] as? NSNumber)?.intValue, let e = (offsetsAny[1] as? NSNumber)?.intValue,
                  b >= 0, e >= b, e <= dataSize
            else { throw bad("tensor '\(name)' data_offsets are outside the file") }
            guard e - b == count * dtype.byteSize else {
                throw bad("tensor '\(name)' has \(e - b) bytes, but shape \(shape) of \(dtypeName) needs \(count * dtype.byteSize)")
            }
            // A slice shares the mapping: no copy until the model packs its weights.
            let bytes = data[start + dataStart + b ..< start + dataStart + e]
            tensors[name] = Tensor(name: name, shape: shape, dtype: dtype, bytes: bytes)
        }
        return TensorStore(file: file, tensors: tensors)
    }
}
