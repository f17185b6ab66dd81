import Foundation

/// Checks a zip archive's directory against the file before ZIPFoundation reads it: the end-of-central-
/// directory record (zip64 included), every central directory entry, and every local header it points
/// to must lie inside the file. ZIPFoundation trusts these offsets and traps (an integer conversion)
/// on values no real archive has, which fuzzing found; a damaged `pytorch_model.bin` must be an error,
/// not a crash.
enum ZipDirectoryCheck {
    struct Damaged: Error { let reason: String }

    static func validate(_ url: URL, fileSize: Int) throws {
        guard let handle = try? FileHandle(forReadingFrom: url) else { throw Damaged(reason: "cannot open the file") }
        defer { try? handle.close() }
        func read(_ offset: Int, _ count: Int) throws -> [UInt8] {
            guard offset >= 0, count >= 0, offset <= fileSize, count <= fileSize - offset else {
                throw Damaged(reason: "a record at byte \(offset) (\(count) bytes) lies outside the file of \(fileSize) bytes")
            }
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: count) ?? Data()
            guard data.count == count else { throw Damaged(reason: "short read at byte \(offset)") }
            return [UInt8](data)
        }
        func u16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func u32(_ b: [UInt8], _ i: Int) -> Int { u16(b, i) | u16(b, i + 2) << 16 }
        func u64(_ b: [UInt8], _ i: Int) throws -> Int {
            let value = UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32
            guard value <= UInt64(fileSize) else { throw Damaged(reason: "a 64-bit size or offset (\(value)) is larger than the file") }
            return Int(value)
        }

        // End of central directory: the last signature within the final 64 KiB + 22 bytes.
        let tailLength = min(fileSize, 65_557)
        let tail = try read(fileSize - tailLength, tailLength)
        guard tail.count >= 22, let eocd = stride(from: tail.count - 22, through: 0, by: -1).first(where: {
            tail[$0] == 0x50 && tail[$0 + 1] == 0x4B && tail[$0 + 2] == 0x05 && tail[$0 + 3] == 0x06
        }) else { throw Damaged(reason: "no end-of-central-directory record") }
        // The classic record, and the zip64 one when a locator precedes it (torch writes both; ZIPFoundation
        // reads the zip64 one whenever it is there): every directory either names must hold up.
        var directories: [(entries: Int, size: Int, offset: Int)] = []
        let classic = (entries: u16(tail, eocd + 10), size: u32(tail, eocd + 12), offset: u32(tail, eocd + 16))
        let needs64 = classic.entries == 0xFFFF || classic.size == 0xFFFF_FFFF || classic.offset == 0xFFFF_FFFF
        if eocd >= 20, u32(tail, eocd - 20) == 0x0706_4B50 {
            let record = try read(try u64(tail, eocd - 20 + 8), 56)
            guard u32(record, 0) == 0x0606_4B50 else { throw Damaged(reason: "zip64 end-of-central-directory record missing") }
            directories.append((try u64(record, 32), try u64(record, 40), try u64(record, 48)))
        } else if needs64 {
            throw Damaged(reason: "zip64 locator missing")
        }
        if !needs64 { directories.append(classic) }
        for directory in directories {
            try validateDirectory(entries: directory.entries, size: directory.size, offset: directory.offset)
        }

        func validateDirectory(entries: Int, size: Int, offset: Int) throws {
            guard entries <= 1_000_000 else { throw Damaged(reason: "\(entries) entries") }
            let directory = try read(offset, size)
            var at = 0
            for n in 0..<entries {
                guard at + 46 <= directory.count, u32(directory, at) == 0x0201_4B50 else {
                    throw Damaged(reason: "central directory entry \(n) is damaged")
                }
                let nameLength = u16(directory, at + 28), extraLength = u16(directory, at + 30), commentLength = u16(directory, at + 32)
                let end = at + 46 + nameLength + extraLength + commentLength
                guard end <= directory.count else { throw Damaged(reason: "central directory entry \(n) runs past the directory") }
                var compressed = u32(directory, at + 20), local = u32(directory, at + 42)
                var uncompressed = u32(directory, at + 24)
                // zip64 extended information: the 0xFFFFFFFF fields, in order.
                var e = at + 46 + nameLength
                while e + 4 <= at + 46 + nameLength + extraLength {
                    let id = u16(directory, e), length = u16(directory, e + 2)
                    guard e + 4 + length <= at + 46 + nameLength + extraLength else { throw Damaged(reason: "entry \(n): extra field past its end") }
                    if id == 0x0001 {
                        var f = e + 4
                        for field in [0, 1, 2] {
                            let isSet = field == 0 ? uncompressed == 0xFFFF_FFFF : field == 1 ? compressed == 0xFFFF_FFFF : local == 0xFFFF_FFFF
                            guard isSet else { continue }
                            guard f + 8 <= e + 4 + length else { throw Damaged(reason: "entry \(n): short zip64 field") }
                            let value = try u64(directory, f)
                            if field == 0 { uncompressed = value } else if field == 1 { compressed = value } else { local = value }
                            f += 8
                        }
                    }
                    e += 4 + length
                }
                let header = try read(local, 30)
                guard u32(header, 0) == 0x0403_4B50 else { throw Damaged(reason: "entry \(n): no local header at byte \(local)") }
                let dataStart = local + 30 + u16(header, 26) + u16(header, 28)
                guard dataStart <= fileSize, compressed <= fileSize - dataStart else {
                    throw Damaged(reason: "entry \(n): its data runs past the end of the file")
                }
                at = end
            }
        }
    }
}
