import Foundation

/// HF `ByteLevel` pre-tokenizer: optional prefix space, the GPT-2 split (hand-matched), then each UTF-8
/// byte mapped to a printable scalar.
struct ByteLevel: PreTokenizer {
    let addPrefixSpace: Bool
    let useRegex: Bool
    let trimOffsets: Bool

    init(_ j: JSONObject) throws {
        addPrefixSpace = try j.bool("add_prefix_space", default: true)
        useRegex = try j.bool("use_regex", default: true)
        trimOffsets = try j.bool("trim_offsets", default: true)
    }

    /// byte → printable scalar, the GPT-2 table.
    static let byteToChar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(256 + n)!
                n += 1
            }
        }
        return table
    }()

    static let charToByte: [UInt32: UInt8] = {
        var d: [UInt32: UInt8] = [:]
        for (b, c) in byteToChar.enumerated() { d[c.value] = UInt8(b) }
        return d
    }()

    func preTokenize(_ s: NormalizedString) -> [NormalizedString] {
        let t = withPrefixSpace(s)
        return wordRanges(t).map { ByteLevel.toBytes(t.slice($0)) }
    }

    /// `s` with the prefix space added when configured.
    func withPrefixSpace(_ s: NormalizedString) -> NormalizedString {
        var t = s
        if addPrefixSpace && t.chars.first != " " { t.prepend([" "]) }
        return t
    }

    /// The words of `t` (already given its prefix space), before the byte mapping.
    func wordRanges(_ t: NormalizedString) -> [Range<Int>] {
        if !useRegex { return t.isEmpty ? [] : [0..<t.count] }
        return t.chars.withUnsafeBufferPointer { ByteLevel.gpt2Ranges($0) }
    }

    /// Appends the byte-level form of `word` to `out`, and for each appended scalar the index in
    /// `word` of the scalar it came from.
    static func appendBytes(of word: UnsafeBufferPointer<Unicode.Scalar>, to out: inout [Unicode.Scalar], sources: inout [Int]) {
        for (i, c) in word.enumerated() {
            let v = c.value
            if v < 0x80 {
                out.append(byteToChar[Int(v)]); sources.append(i)
            } else {
                var utf8 = Unicode.UTF8.encode(c)!.makeIterator()
                while let b = utf8.next() { out.append(byteToChar[Int(b)]); sources.append(i) }
            }
        }
    }

    static func toBytes(_ s: NormalizedString) -> NormalizedString {
        var t = s
        var ascii = true
        for c in t.chars where c.value >= 0x80 { ascii = false; break }
        if ascii {
            t.map { byteToChar[Int($0.value)] }
        } else {
            t.flatMap { c, out in
                for b in String(c).utf8 { out.append(byteToChar[Int(b)]) }
            }
        }
        return t
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, isolated.
    static func gpt2Ranges(_ c: UnsafeBufferPointer<Unicode.Scalar>) -> [Range<Int>] {
        let n = c.count
        var out: [Range<Int>] = []
        @inline(__always) func isOther(_ x: Unicode.Scalar) -> Bool {
            !CharacterClasses.isWhitespace(x) && !CharacterClasses.isLetter(x) && !CharacterClasses.isNumber(x)
        }
        var i = 0
        while i < n {
            let ch = c[i]
            // contractions
            if ch == "'" && i + 1 < n {
                let a = c[i + 1]
                if a == "s" || a == "t" || a == "m" || a == "d" {
                    out.append(i..<i + 2); i += 2; continue
                }
                if i + 2 < n {
                    let b = c[i + 2]
                    if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") {
                        out.append(i..<i + 3); i += 3; continue
                    }
                }
            }
            var k = i
            if ch == " " && i + 1 < n { k = i + 1 }
            let first = c[k]
            if CharacterClasses.isLetter(first) && (k == i || true) {
                var j = k + 1
                while j < n && CharacterClasses.isLetter(c[j]) { j += 1 }
                out.append(i..<j); i = j; continue
            }
            if CharacterClasses.isNumber(first) {
                var j = k + 1
                while j < n && CharacterClasses.isNumber(c[j]) { j += 1 }
                out.append(i..<j); i = j; continue
            }
            if isOther(first) {
                var j = k + 1
                while j < n && isOther(c[j]) { j += 1 }
                out.append(i..<j); i = j; continue
            }
            // whitespace run starting at i
            var e = i + 1
            while e < n && CharacterClasses.isWhitespace(c[e]) { e += 1 }
            if e == n || e - i == 1 {
                out.append(i..<e); i = e
            } else {
                out.append(i..<e - 1); i = e - 1
            }
        }
        return out
    }
}
