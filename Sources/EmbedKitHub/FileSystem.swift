import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX helpers for the cache: atomic rename, directories, unique names, file sizes.
enum FileSystem {
    static func createDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw HubError.io(path: url.path, message: "cannot create folder: \(error.localizedDescription)")
        }
    }

    /// rename(2): atomic replacement within one file system.
    static func rename(_ source: URL, to destination: URL) throws {
        guard Foundation.rename(source.path, destination.path) == 0 else {
            throw HubError.io(path: destination.path, message: "cannot rename \(source.lastPathComponent): \(String(cString: strerror(errno)))")
        }
    }

    static func uniqueSuffix() -> String {
        "\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    /// Size of a regular file, nil when it does not exist.
    static func size(of url: URL) -> Int64? {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    static func exists(_ url: URL) -> Bool { size(of: url) != nil }
}
