import Foundation

/// The string preparation sentence-transformers applies before tokenizing (`str(s).strip()`, then
/// `s.lower()` when sentence_bert_config.json says `do_lower_case`), with Python's semantics.
public enum PythonString {
    /// Python `str.isspace` for one scalar.
    @inline(__always)
    public static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python `str.strip()`.
    public static func strip(_ s: String) -> String {
        let u = s.unicodeScalars
        guard let first = u.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = u.lastIndex(where: { !isSpace($0) })!
        if first == u.startIndex && u.index(after: last) == u.endIndex { return s }
        return String(u[first...last])
    }

    /// Python `str.lower()` (full lowercase mapping of each scalar).
    public static func lower(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            if c.value < 0x80 {
                out.append(c.value >= 0x41 && c.value <= 0x5A ? Unicode.Scalar(c.value + 32)! : c)
            } else if c.properties.changesWhenLowercased {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            } else {
                out.append(c)
            }
        }
        return String(out)
    }

    /// sentence-transformers' preparation: strip, then lowercase if asked.
    public static func sentenceTransformersInput(_ s: String, lowercase: Bool) -> String {
        let t = strip(s)
        return lowercase ? lower(t) : t
    }
}
