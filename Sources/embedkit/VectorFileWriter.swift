import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An output file of a bulk job, written by appending; `truncate(to:)` drops what was written after the
/// last checkpoint, `sync()` makes the bytes durable before a checkpoint names them.
final class AppendFile {
    let path: String
    private let fd: Int32

    /// Opens (creating) `path`; `fresh` empties it.
    init(path: String, fresh: Bool) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | (fresh ? O_TRUNC : 0), 0o644)
        guard fd >= 0 else { throw InputError("\(path): cannot write the output file (\(String(cString: strerror(errno))))") }
    }

    deinit { close(fd) }

    var size: Int64 {
        var st = stat()
        return fstat(fd, &st) == 0 ? Int64(st.st_size) : -1
    }

    func truncate(to length: Int64) throws {
        guard ftruncate(fd, off_t(length)) == 0 else { throw failure("truncate") }
    }

    func append(_ bytes: [UInt8]) throws {
        guard lseek(fd, 0, SEEK_END) >= 0 else { throw failure("seek") }
        try write(bytes)
    }

    func write(_ bytes: [UInt8], at offset: Int64) throws {
        guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else { throw failure("seek") }
        try write(bytes)
    }

    private func write(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure("write") }
            done += n
        }
    }

    func sync() throws {
        guard fsync(fd) == 0 else { throw failure("fsync") }
    }

    private func failure(_ what: String) -> InputError {
        InputError("\(path): \(what) failed (\(String(cString: strerror(errno))))")
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

/// Bytes one window of rows adds to the output (and to the ids side file).
enum VectorEncoding {
    static func npyRows(_ vectors: [[Float]]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(vectors.reduce(0) { $0 + $1.count * 4 })
        for v in vectors {
            for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { out += $0 } }
        }
        return out
    }

    static func jsonlRows(_ vectors: [[Float]], ids: [String?]) -> [UInt8] {
        var out = ""
        for (v, id) in zip(vectors, ids) {
            if let id { out += "{\"id\":" + id + ",\"embedding\":" + JSONVector.line(v) + "}\n" }
            else { out += JSONVector.line(v) + "\n" }
        }
        return Array(out.utf8)
    }

    static func idLines(_ ids: [String?]) -> [UInt8] {
        Array(ids.map { ($0 ?? "null") + "\n" }.joined().utf8)
    }
}
