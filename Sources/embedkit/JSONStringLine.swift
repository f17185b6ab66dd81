import ArgumentParser
import Foundation

/// A problem with the input data (printed as one line, without the usage text).
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Parses one JSON string literal. Unlike Foundation's JSON reader it accepts unpaired UTF-16
/// surrogates (`"\ud800"`, which Python's json module produces) and maps them to U+FFFD.
enum JSONStringLine {
    struct Error: Swift.Error { let message: String }

    /// JSON whitespace around the string: space, tab, carriage return.
    @inline(__always)
    static func isJSONSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

    static func parse(_ text: String) throws -> String {
        var t = text
        return try t.withUTF8 { try parse($0) }
    }

    /// Parses one line's bytes (surrounding whitespace already removed).
    static func parse(_ u: UnsafeBufferPointer<UInt8>) throws -> String {
        guard u.count >= 2, u[0] == UInt8(ascii: "\""), u[u.count - 1] == UInt8(ascii: "\"") else {
            throw Error(message: "expected one JSON string per line, like \"some text\"")
        }
        let end = u.count - 1
        // Fast path: no escapes, so the text is the bytes between the quotes.
        var plain = true
        for k in 1..<end {
            let c = u[k]
            if c == UInt8(ascii: "\\") || c == UInt8(ascii: "\"") || c < 0x20 { plain = false; break }
        }
        if plain {
            guard let s = String(validating: UnsafeBufferPointer(rebasing: u[1..<end]), as: UTF8.self) else {
                throw Error(message: "the line is not valid UTF-8")
            }
            return s
        }
        var out: [UInt8] = []
        out.reserveCapacity(end)
        func appendScalar(_ v: UInt32) {
            let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
            out.append(contentsOf: Unicode.UTF8.encode(scalar)!)
        }
        func hex4(_ at: Int) throws -> UInt32 {
            guard at + 4 <= end else { throw Error(message: "truncated \\u escape") }
            var v: UInt32 = 0
            for k in at..<at + 4 {
                let c = u[k]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw Error(message: "invalid \\u escape")
                }
                v = v * 16 + d
            }
            return v
        }
        var i = 1
        while i < end {
            let c = u[i]
            if c == UInt8(ascii: "\"") { throw Error(message: "unescaped quote inside the string (one JSON string per line)") }
            if c != UInt8(ascii: "\\") {
                if c < 0x20 { throw Error(message: "raw control character in a JSON string") }
                out.append(c); i += 1; continue
            }
            guard i + 1 < end else { throw Error(message: "dangling backslash") }
            let e = u[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let v = try hex4(i)
                i += 4
                if (0xD800..<0xDC00).contains(v), i + 6 <= end, u[i] == UInt8(ascii: "\\"), u[i + 1] == UInt8(ascii: "u"),
                   let lo = try? hex4(i + 2), (0xDC00..<0xE000).contains(lo) {
                    i += 6
                    appendScalar(0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00))
                } else {
                    appendScalar(v)     // an unpaired surrogate becomes U+FFFD
                }
            default:
                throw Error(message: "invalid escape \\\(Unicode.Scalar(e))")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            throw Error(message: "the line is not valid UTF-8")
        }
        return s
    }
}
