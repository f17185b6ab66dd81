import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where an interrupted bulk job stands: every row before `rowsDone` (of its shard) is in the output,
/// whose first `outputBytes` bytes hold exactly those rows. Written after each window, atomically
/// (a temporary file renamed over the old one), after the output bytes it names are synced; kept at
/// `<output>.checkpoint.json` until the job finishes.
struct BulkCheckpoint: Codable, Equatable {
    static let currentVersion = 1
    var version = currentVersion
    /// What the output depends on (model, precision, options, input, shard): a resume must match.
    var settings: [String: String]
    var rowsDone: Int
    var tokensDone: Int
    /// Byte offset in the input just past the last row done, and its line number.
    var inputOffset: Int64
    var lineNumber: Int
    var outputBytes: Int64
    /// Whether the rows are `{"id", "text"}` objects (nil until the first row is read).
    var hasIDs: Bool?
    var idsBytes: Int64

    static func path(output: String) -> String { output + ".checkpoint.json" }

    static func load(_ path: String) throws -> BulkCheckpoint? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let checkpoint = try? JSONDecoder().decode(BulkCheckpoint.self, from: data),
              checkpoint.version == currentVersion else {
            throw InputError("\(path): not a checkpoint this version of embedkit wrote; delete it to start over")
        }
        return checkpoint
    }

    func save(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let temporary = path + ".tmp"
        let file = try AppendFile(path: temporary, fresh: true)
        try file.append(Array(try encoder.encode(self)))
        try file.sync()
        guard rename(temporary, path) == 0 else {
            throw InputError("\(path): cannot write the checkpoint (\(String(cString: strerror(errno))))")
        }
    }

    /// The first setting that differs from `current`, named for the user.
    func mismatch(_ current: [String: String]) -> String? {
        for key in Set(settings.keys).union(current.keys).sorted() where settings[key] != current[key] {
            return "\(key) was \(settings[key] ?? "unset"), now \(current[key] ?? "unset")"
        }
        return nil
    }
}

/// A cheap fingerprint of an input file: its size and an FNV-1a hash of its first 64 KiB (a resume on
/// an edited or replaced corpus is refused rather than mixing two corpora in one output).
enum InputFingerprint {
    static func of(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError("\(path): cannot read the input file") }
        defer { try? handle.close() }
        let head = handle.readData(ofLength: 64 << 10)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in head { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "\(size) bytes, head \(String(hash, radix: 16))"
    }
}
