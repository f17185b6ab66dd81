import Foundation

/// HF `ByteLevel` decoder: maps the printable byte scalars back to bytes, then UTF-8 (lossy).
struct ByteLevelDecoder: Decoder {
    func decodeChain(_ tokens: [String]) -> [String] {
        var bytes: [UInt8] = []
        for t in tokens {
            for c in t.unicodeScalars {
                if let b = ByteLevel.charToByte[c.value] { bytes.append(b) } else { bytes.append(contentsOf: Array(String(c).utf8)) }
            }
        }
        return [String(decoding: bytes, as: UTF8.self)]
    }
}
