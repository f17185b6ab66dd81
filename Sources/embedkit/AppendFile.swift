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
