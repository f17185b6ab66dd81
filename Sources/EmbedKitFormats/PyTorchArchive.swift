import Foundation
import ZIPFoundation

/// Reader for `pytorch_model.bin` as written by `torch.save(state_dict)` (torch ≥ 1.6): a zip
/// archive with `<prefix>/data.pkl` (the state_dict, pickled), one `<prefix>/data/<key>` record
/// per storage, `<prefix>/version` and optionally `<prefix>/byteorder`.
///
/// `data.pkl` is read by a restricted unpickler (see `Unpickler`) that accepts only what torch
/// writes for a state_dict and never executes anything. The legacy non-zip format of torch < 1.6
/// is recognised and refused.
public enum PyTorchArchive {
    /// The first bytes of a legacy (torch < 1.6) file: PROTO 2, then LONG1 of the magic number
    /// 0x1950a86a20f9469cfc6c that torch pickled first.
    static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    /// Upper bound for `data.pkl` (a BERT-large state_dict pickle is ~30 KB).
    static let maxPickleBytes = 64 << 20
    /// Read buffer for zip records.
    static let chunkBytes = 1 << 20

    public static func load(_ url: URL) throws -> TensorStore {
        try loadReporting(url).store
    }

    /// Like `load(_:)`, also naming the tensors that were skipped because their storage is not
    /// floating point (see `TorchTensorRebuild.Result.skipped`).
    package static func loadReporting(_ url: URL) throws -> (store: TensorStore, skipped: [String]) {
        let file = url.path
        guard FileManager.default.fileExists(atPath: file) else { throw FormatError.fileNotFound(file) }
        try checkMagic(url, file: file)

        let fileSize = (try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path)[.size] as? NSNumber)?.intValue ?? 0
        let archive: Archive
        do {
            try ZipDirectoryCheck.validate(url, fileSize: fileSize)
            archive = try Archive(url: url, accessMode: .read)
        } catch let damaged as ZipDirectoryCheck.Damaged {
            throw FormatError.malformed(file: file, reason: "not a readable zip archive (truncated or damaged): \(damaged.reason)")
        } catch {
            throw FormatError.malformed(file: file, reason: "not a readable zip archive (truncated or damaged): \(error)")
        }
        var entries: [String: Entry] = [:]
        for entry in archive {
            guard entries.count < 1_000_000 else { throw FormatError.malformed(file: file, reason: "too many zip entries") }
            entries[entry.path] = entry
        }
        let pickles = entries.keys.filter { p in
            let parts = p.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl"
        }.sorted()
        guard let pickleKey = pickles.first else {
            if entries.keys.contains(where: { $0.hasSuffix("constants.pkl") || $0.contains("/code/") }) {
                throw FormatError.unsupported(file: file, reason: "this is a TorchScript archive (torch.jit.save), not a torch.save state_dict")
            }
            throw FormatError.malformed(file: file, reason: "zip archive has no <prefix>/data.pkl; not a torch.save file")
        }
        guard pickles.count == 1 else {
            throw FormatError.malformed(file: file, reason: "zip archive has several data.pkl records: \(pickles.joined(separator: ", "))")
        }
        let prefix = String(pickleKey.dropLast("data.pkl".count))
        if entries[prefix + "constants.pkl"] != nil {
            throw FormatError.unsupported(file: file, reason: "this is a TorchScript archive (torch.jit.save), not a torch.save state_dict")
        }

        func read(_ path: String, expected: Int?, limit: Int) throws -> Data {
            guard let entry = entries[path] else {
                throw FormatError.malformed(file: file, reason: "record '\(path)' is missing from the archive")
            }
            return try readEntry(entry, in: archive, file: file, fileSize: fileSize, expected: expected, limit: limit)
        }

        if entries[prefix + "byteorder"] != nil {
            let order = String(decoding: try read(prefix + "byteorder", expected: nil, limit: 16), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard order == "little" else {
                throw FormatError.unsupported(file: file, reason: "byteorder is '\(order)'; only little-endian archives are supported")
            }
        }

        let pickle = try read(pickleKey, expected: nil, limit: maxPickleBytes)
        var unpickler = Unpickler(pickle, file: file, what: pickleKey)
        let entriesInPickle = try unpickler.stateDictEntries()
        let result = try TorchTensorRebuild.tensors(entriesInPickle, file: file) { key, bytes in
            try read(prefix + "data/" + key, expected: bytes, limit: bytes)
        }
        return (TensorStore(file: file, tensors: result.tensors), result.skipped)
    }

    /// Loads a state_dict from pickle bytes and a storage lookup, without a zip archive around them.
    /// `storage(key)` returns the bytes of `data/<key>`, or nil when absent.
    package static func stateDict(
        pickle: Data, file: String, storage: (String) -> Data?
    ) throws -> (store: TensorStore, skipped: [String]) {
        var unpickler = Unpickler(pickle, file: file)
        let entries = try unpickler.stateDictEntries()
        let result = try TorchTensorRebuild.tensors(entries, file: file) { key, _ in
            guard let d = storage(key) else {
                throw FormatError.malformed(file: file, reason: "record 'data/\(key)' is missing")
            }
            return d
        }
        return (TensorStore(file: file, tensors: result.tensors), result.skipped)
    }

    // MARK: - Helpers

    /// Refuses the legacy format, bare pickles and non-zip files with a message saying which.
    private static func checkMagic(_ url: URL, file: String) throws {
        let head: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            head = try handle.read(upToCount: legacyMagic.count) ?? Data()
        } catch {
            throw FormatError.malformed(file: file, reason: "cannot read: \(error.localizedDescription)")
        }
        let bytes = [UInt8](head)
        if bytes == legacyMagic {
            throw FormatError.unsupported(file: file, reason: "legacy (torch < 1.6, non-zip) torch.save format; "
                + "re-save it with a current torch (torch.save(torch.load(f), f)) or convert it to model.safetensors")
        }
        guard bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B else {
            if bytes.first == 0x80 {
                throw FormatError.unsupported(file: file, reason: "a bare pickle, not a torch.save zip archive")
            }
            throw FormatError.malformed(file: file, reason: "not a zip archive (no 'PK' signature); not a torch.save file")
        }
    }

    private static func readEntry(
        _ entry: Entry, in archive: Archive, file: String, fileSize: Int, expected: Int?, limit: Int
    ) throws -> Data {
        let path = entry.path
        func bad(_ r: String) -> FormatError { .malformed(file: file, reason: "record '\(path)': \(r)") }
        guard entry.type == .file else { throw bad("is not a file") }
        let declared = entry.uncompressedSize
        if let expected, declared != UInt64(expected) {
            throw bad("has \(declared) bytes, but the pickle's storage needs \(expected)")
        }
        guard declared <= UInt64(limit) else { throw bad("is \(declared) bytes, more than the \(limit) allowed") }
        guard entry.compressedSize <= UInt64(fileSize) else {
            throw bad("claims \(entry.compressedSize) bytes in a \(fileSize)-byte file (truncated?)")
        }
        // Deflate cannot expand more than ~1032:1; a larger claim is a decompression bomb.
        guard !entry.isCompressed || declared / 1032 <= entry.compressedSize else {
            throw bad("claims \(declared) bytes from \(entry.compressedSize) compressed bytes")
        }
        let size = Int(declared)
        var out = Data()
        out.reserveCapacity(size)
        // The CRC-32 is computed here (ZipCRC32) rather than by ZIPFoundation, whose Linux
        // fallback is several times slower.
        var crc = ZipCRC32()
        do {
            _ = try archive.extract(entry, bufferSize: chunkBytes, skipCRC32: true) { chunk in
                guard chunk.count <= size - out.count else { throw bad("holds more than its declared \(size) bytes") }
                chunk.withUnsafeBytes { crc.update($0) }
                out.append(chunk)
            }
            guard out.count == size else { throw bad("has \(out.count) of its \(size) bytes (truncated)") }
            guard crc.value == entry.checksum else { throw bad("CRC-32 checksum mismatch (the file is damaged)") }
        } catch let e as FormatError {
            throw e
        } catch {
            throw bad("cannot be read (truncated or damaged): \(error)")
        }
        return out
    }
}
