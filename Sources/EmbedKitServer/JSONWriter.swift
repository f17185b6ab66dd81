import Hummingbird

/// Writes JSON straight into a ByteBuffer. Floats use Swift's shortest round-trip form, so a client
/// parsing them as float32 gets the engine's exact values back.
struct JSONWriter {
    var buffer = ByteBuffer()

    init(capacity: Int = 256) { buffer.reserveCapacity(capacity) }

    mutating func raw(_ s: String) { buffer.writeString(s) }

    mutating func int(_ v: Int) { buffer.writeString(String(v)) }

    mutating func bool(_ v: Bool) { buffer.writeString(v ? "true" : "false") }

    /// Non-finite values have no JSON form; callers check `allFinite` first.
    mutating func float(_ v: Float) { buffer.writeString(v.description) }

    mutating func floats(_ v: [Float]) {
        buffer.writeInteger(UInt8(ascii: "["))
        for (i, x) in v.enumerated() {
            if i > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            float(x)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
    }

    mutating func string(_ s: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        for u in s.unicodeScalars {
            switch u {
            case "\"": buffer.writeString("\\\"")
            case "\\": buffer.writeString("\\\\")
            case "\n": buffer.writeString("\\n")
            case "\r": buffer.writeString("\\r")
            case "\t": buffer.writeString("\\t")
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    buffer.writeString("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                } else {
                    buffer.writeString(String(u))
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
