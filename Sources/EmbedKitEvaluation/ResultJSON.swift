import Foundation

/// A JSON value with ordered object keys, so results print with mteb's field names in a stable order.
public indirect enum ResultJSON: Equatable, Sendable {
    case number(Double)
    case integer(Int)
    case string(String)
    case array([ResultJSON])
    case object([(String, ResultJSON)])
    case null

    public static func == (a: ResultJSON, b: ResultJSON) -> Bool { a.serialized() == b.serialized() }

    /// The value under `key` of an object.
    public subscript(key: String) -> ResultJSON? {
        if case .object(let fields) = self { return fields.first { $0.0 == key }?.1 }
        return nil
    }

    /// The number, if this is one.
    public var double: Double? {
        switch self {
        case .number(let d): return d
        case .integer(let i): return Double(i)
        default: return nil
        }
    }

    /// Compact (one line) or indented JSON text. Non-finite numbers become null.
    public func serialized(indent: Int? = nil) -> String {
        var out = ""
        write(into: &out, indent: indent, level: 0)
        return out
    }

    private func write(into out: inout String, indent: Int?, level: Int) {
        let nl = indent.map { "\n" + String(repeating: " ", count: $0 * (level + 1)) } ?? ""
        let close = indent.map { "\n" + String(repeating: " ", count: $0 * level) } ?? ""
        let colon = indent == nil ? ":" : ": "
        switch self {
        case .number(let d): out += d.isFinite ? "\(d)" : "null"
        case .integer(let i): out += "\(i)"
        case .null: out += "null"
        case .string(let s): out += ResultJSON.quote(s)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (i, v) in a.enumerated() {
                out += (i > 0 ? "," : "") + nl
                v.write(into: &out, indent: indent, level: level + 1)
            }
            out += close + "]"
        case .object(let fields):
            if fields.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (k, v)) in fields.enumerated() {
                out += (i > 0 ? "," : "") + nl + ResultJSON.quote(k) + colon
                v.write(into: &out, indent: indent, level: level + 1)
            }
            out += close + "}"
        }
    }

    /// JSON text for a string: quotes, backslashes and control characters escaped, the rest as is.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// Python's `round(x, digits)`: the exact binary value rounded half-to-even in decimal (glibc printf does this).
public func pythonRound(_ x: Double, digits: Int) -> Double {
    guard x.isFinite else { return x }
    return Double(String(format: "%.\(digits)f", x)) ?? x
}
