import EmbedKit
import Foundation

/// What one input row gave: its result, or why it has none (an unreadable line, or the engine's error
/// for that text), named by file and line.
typealias RowResult = Result<EmbeddingResult, InputError>

extension InputRow {
    /// Where the row came from, for messages: `file:line`, or `argument N`.
    func place(_ file: String?) -> String { file.map { "\($0):\(line)" } ?? "argument \(line)" }
}

/// How rows' results become the bytes of one output format: `embed` and `chunk` print JSON lines, bulk
/// jobs append JSON lines or `.npy` rows to a file. A new output (Parquet, a database) is one more
/// conformance.
protocol ResultFormat {
    /// The bytes a window of rows adds, in row order, and those of the ids side file (formats that keep one).
    func encode(_ rows: [InputRow], _ results: [RowResult]) -> (data: [UInt8], ids: [UInt8]?)
}

/// One JSON line per row: the vector (`[...]`), `{"K1": [...], "K2": [...]}` for several sizes, integers
/// when quantized, or `{"chunks": [...]}`; a row with an id: `{"id": ..., "embedding": ...}` (or
/// `"embeddings"`, `"chunks"`); a row that failed: `{"error": "file:line: reason"}` (with its id).
struct JSONLines: ResultFormat {
    /// The sizes, when several are written keyed by size.
    var keyedSizes: [Int]? = nil
    var chunks = false

    func encode(_ rows: [InputRow], _ results: [RowResult]) -> (data: [UInt8], ids: [UInt8]?) {
        var out = ""
        for (row, result) in zip(rows, results) {
            out += line(row, result) + "\n"
        }
        return (Array(out.utf8), nil)
    }

    func line(_ row: InputRow, _ result: RowResult) -> String {
        // Only object rows have an id (`null` when the object gave none).
        let id = row.id.map { "\"id\":\($0)," } ?? ""
        switch result {
        case .failure(let error):
            return "{" + id + "\"error\":" + JSONText.quote(error.description) + "}"
        case .success(let r) where chunks:
            let object = JSONText.chunks(r.chunks)
            return id.isEmpty ? object : "{" + id + object.dropFirst()
        case .success(let r):
            return id.isEmpty ? value(r) : "{" + id + "\"\(keyedSizes == nil ? "embedding" : "embeddings")\":" + value(r) + "}"
        }
    }

    private func value(_ r: EmbeddingResult) -> String {
        func one(_ n: Int) -> String { r.integers.map { JSONText.integers($0[n]) } ?? JSONText.vector(r.vectors[n]) }
        guard let sizes = keyedSizes else { return one(0) }
        return "{" + sizes.enumerated().map { n, k in "\"\(k)\":" + one(n) }.joined(separator: ",") + "}"
    }
}

/// `.npy` rows: float32 little-endian, one row per input; a row that failed is NaN (NumPy's missing
/// value; the error is reported on stderr). Ids go to the side file, one JSON id per line.
struct NpyRows: ResultFormat {
    let dimension: Int
    let ids: Bool

    func encode(_ rows: [InputRow], _ results: [RowResult]) -> (data: [UInt8], ids: [UInt8]?) {
        var out = [UInt8]()
        out.reserveCapacity(rows.count * dimension * 4)
        for result in results {
            let v = (try? result.get().vectors[0]) ?? [Float](repeating: .nan, count: dimension)
            for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { out += $0 } }
        }
        return (out, ids ? Array(rows.map { ($0.id ?? "null") + "\n" }.joined().utf8) : nil)
    }
}

/// How a bulk job stores vectors, chosen by the output's extension.
enum VectorFileFormat: String, Codable {
    /// NumPy `.npy`, float32 little-endian, shape (rows, dimension); ids, if the rows have them, in
    /// `<name>.ids.jsonl` (one JSON id per line, in row order).
    case npy
    /// One JSON line per row: the vector as `embed` prints it, or `{"id": ..., "embedding": [...]}`.
    case jsonl

    init(output: String) throws {
        if output.hasSuffix(".npy") { self = .npy }
        else if output.hasSuffix(".jsonl") { self = .jsonl }
        else { throw InputError("--output must end in .npy or .jsonl (got \(output))") }
    }

    /// The ids side file of an `.npy` output.
    static func idsPath(output: String) -> String {
        String(output.dropLast(".npy".count)) + ".ids.jsonl"
    }
}

/// The `.npy` header (format version 1.0) for a float32 matrix of `rows` × `dimension`, always 128 bytes
/// so it can be rewritten in place as rows are added (NumPy reads the padding spaces as part of the
/// header, as its own writer pads to 64-byte alignment).
enum NpyHeader {
    static let length = 128

    static func bytes(rows: Int, dimension: Int) -> [UInt8] {
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(dimension)), }"
        let headerLength = length - 10
        dict += String(repeating: " ", count: max(0, headerLength - dict.utf8.count - 1)) + "\n"
        precondition(dict.utf8.count == headerLength, "npy header too long")
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)] + Array(dict.utf8)
    }
}
