import Crypto
import Foundation
import EmbedKitHub
import Testing

/// Hex SHA-256 of bytes (swift-crypto), as the Hub names blobs.
enum SHA256 {
    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        Crypto.SHA256.hash(data: Array(bytes)).map { String(format: "%02x", $0) }.joined()
    }
}

@Suite struct ProgressBarTests {
    @Test func sizesUseDecimalUnits() {
        #expect(ProgressBar.format(0) == "0 B")
        #expect(ProgressBar.format(999) == "999 B")
        #expect(ProgressBar.format(1_500) == "1.5 kB")
        #expect(ProgressBar.format(4_428_028) == "4.4 MB")
        #expect(ProgressBar.format(2_000_000_000) == "2.0 GB")
        // Not a terminal → no callback, nothing drawn.
        #expect(ProgressBar(label: "x", enabled: false).callback() == nil)
    }
}
