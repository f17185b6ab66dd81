import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Downloads one blob into `blobs/<etag>.incomplete`, resuming what is already there with a Range
/// request, verifies its size (and sha256 when the ETag is one), then renames it to `blobs/<etag>`.
/// The caller holds the blob's lock, so only one process writes the `.incomplete` file.
struct BlobDownload {
    let api: HubAPI
    let model: ModelReference
    let file: String
    let metadata: FileMetadata
    let destination: URL
    /// Called with the number of new bytes written.
    let progress: (Int64) -> Void
    var maxAttempts = 5

    var incomplete: URL { destination.deletingLastPathComponent().appendingPathComponent(destination.lastPathComponent + ".incomplete") }

    func run() async throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await transfer()
                break
            } catch let error as HubError {
                guard case .network = error, attempt < maxAttempts else { throw error }
                let have = FileSystem.size(of: incomplete) ?? 0
                api.logger.warning("download of \(file) interrupted at \(have) bytes (\(error)); resuming (attempt \(attempt + 1) of \(maxAttempts))")
                try await Task.sleep(nanoseconds: UInt64(250_000_000) << UInt64(min(attempt - 1, 4)))
            }
        }
        try verify()
        try FileSystem.rename(incomplete, to: destination)
    }

    /// One GET, appending to the `.incomplete` file from its current size.
    private func transfer() async throws {
        var offset = FileSystem.size(of: incomplete) ?? 0
        if offset > metadata.size { try restart(); offset = 0 }
        if offset == metadata.size && offset > 0 { return }
        var response = try await api.get(metadata.downloadURL, model: model, file: file, offset: offset)
        if response.status.code == 416 {
            // The server cannot serve our range: start over.
            _ = try? await response.body.collect(upTo: 1 << 16)
            try restart()
            offset = 0
            response = try await api.get(metadata.downloadURL, model: model, file: file, offset: 0)
            guard response.status.code == 200 else { throw HubError.httpStatus(Int(response.status.code), url: metadata.downloadURL) }
        }
        if response.status.code == 206 {
            guard let range = response.headers.first(name: "Content-Range"), range.hasPrefix("bytes \(offset)-") else {
                throw HubError.badResponse(url: metadata.downloadURL, message: "partial content does not start at byte \(offset)")
            }
        } else if offset > 0 {
            // 200: the whole file again.
            api.logger.debug("server ignored the Range request for \(file); downloading from the start")
            try restart()
            offset = 0
        }

        let fd = open(incomplete.path, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw HubError.io(path: incomplete.path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var written = offset
        do {
            for try await chunk in response.body {
                try append(chunk, to: fd)
                written += Int64(chunk.readableBytes)
                progress(Int64(chunk.readableBytes))
                if written > metadata.size {
                    throw HubError.integrity(file: file, expected: "\(metadata.size) bytes", actual: "more")
                }
            }
        } catch let error as HubError {
            if case .integrity = error { try? restart() }
            throw error
        } catch {
            throw HubError.network(url: metadata.downloadURL, message: HubAPI.describe(error))
        }
        if written < metadata.size {
            throw HubError.network(url: metadata.downloadURL, message: "connection closed after \(written) of \(metadata.size) bytes")
        }
    }

    private func append(_ chunk: ByteBuffer, to fd: Int32) throws {
        try chunk.withUnsafeReadableBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw HubError.io(path: incomplete.path, message: "write failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    private func restart() throws {
        if FileSystem.exists(incomplete), truncate(incomplete.path, 0) != 0 {
            throw HubError.io(path: incomplete.path, message: "cannot truncate: \(String(cString: strerror(errno)))")
        }
    }

    /// Size always; sha256 when the ETag is a sha256 (LFS files). A mismatch discards the file.
    private func verify() throws {
        let size = FileSystem.size(of: incomplete) ?? 0
        guard size == metadata.size else {
            try? FileManager.default.removeItem(at: incomplete)
            throw HubError.integrity(file: file, expected: "\(metadata.size) bytes", actual: "\(size) bytes")
        }
        guard PathSafety.isSHA256(metadata.etag) else { return }
        let digest = try Self.sha256(of: incomplete)
        guard digest == metadata.etag else {
            try? FileManager.default.removeItem(at: incomplete)
            throw HubError.integrity(file: file, expected: "sha256 \(metadata.etag)", actual: "sha256 \(digest)")
        }
    }

    static func sha256(of url: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw HubError.io(path: url.path, message: "cannot read")
        }
        defer { try? handle.close() }
        var hasher = Crypto.SHA256()
        while true {
            let data: Data?
            do { data = try handle.read(upToCount: 1 << 20) } catch {
                throw HubError.io(path: url.path, message: "read failed: \(error.localizedDescription)")
            }
            guard let data, !data.isEmpty else { break }
            hasher.update(data: data)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
