import Foundation
import Testing
import EmbedKitFormats

@Suite struct ZipCRC32Tests {
    @Test func knownVectors() {
        func crc(_ s: String) -> UInt32 { Array(s.utf8).withUnsafeBytes { ZipCRC32.checksum($0) } }
        #expect(crc("") == 0)
        #expect(crc("a") == 0xE8B7_BE43)
        #expect(crc("123456789") == 0xCBF4_3926)  // the CRC-32/ISO-HDLC check value
        #expect(crc("The quick brown fox jumps over the lazy dog") == 0x414F_A339)
    }

    /// Updating chunk by chunk (any split, including splits inside the 8-byte stride) gives the
    /// one-shot value.
    @Test func incrementalEqualsOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = bytes.withUnsafeBytes { ZipCRC32.checksum($0) }
        for split in [1, 3, 7, 8, 9, 500, 999] {
            var c = ZipCRC32()
            bytes[..<split].withUnsafeBytes { c.update($0) }
            bytes[split...].withUnsafeBytes { c.update($0) }
            #expect(c.value == whole, "split at \(split)")
        }
    }
}
