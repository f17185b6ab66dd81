import Hub
import Testing

@Suite struct SHA256Tests {
    // FIPS 180-4 / NIST example vectors.
    @Test func knownVectors() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func chunkedUpdatesMatchOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for chunk in [1, 3, 63, 64, 65, 200] {
            var hasher = SHA256()
            var start = 0
            while start < data.count {
                hasher.update(data[start..<min(start + chunk, data.count)])
                start += chunk
            }
            #expect(hasher.finalizeHex() == SHA256.hex(data), "chunk \(chunk)")
        }
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
