import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a file (flock(2)), the same kind Python's `filelock` takes on
/// `<cache>/.locks/...`, so EmbedKit and huggingface_hub processes never write the same blob at once.
/// Waiting polls with LOCK_NB and sleeps, so a waiting task never blocks a cooperative thread.
enum FileLock {
    static func withLock<T>(at url: URL, _ body: () async throws -> T) async throws -> T {
        try FileSystem.createDirectory(url.deletingLastPathComponent())
        let fd = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw HubError.io(path: url.path, message: "cannot open lock file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw HubError.io(path: url.path, message: "cannot lock: \(String(cString: strerror(errno)))")
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        defer { flock(fd, LOCK_UN) }
        return try await body()
    }
}
