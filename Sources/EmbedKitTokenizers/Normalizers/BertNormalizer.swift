import Foundation

/// HF `BertNormalizer`: clean_text, handle_chinese_chars, strip_accents (null follows lowercase), lowercase.
struct BertNormalizer: Normalizer {
    let cleanText: Bool
    let handleChineseChars: Bool
    let stripAccents: Bool
    let lowercase: Bool

    init(cleanText: Bool, handleChineseChars: Bool, stripAccents: Bool?, lowercase: Bool) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents ?? lowercase
        self.lowercase = lowercase
    }

    init(_ j: JSONObject) throws {
        let lc = try j.bool("lowercase", default: true)
        self.init(cleanText: try j.bool("clean_text", default: true),
                  handleChineseChars: try j.bool("handle_chinese_chars", default: true),
                  stripAccents: try j.optionalBool("strip_accents"),
                  lowercase: lc)
    }

    func normalize(_ s: inout NormalizedString) {
        if cleanText || handleChineseChars { cleanAndPad(&s) }
        if stripAccents {
            UnicodeNormalizer(form: .nfd).normalize(&s)
            var marks = false
            for c in s.chars where CharacterClasses.isNonSpacingMark(c) { marks = true; break }
            if marks { s.filter { !CharacterClasses.isNonSpacingMark($0) } }
        }
        if lowercase { Lowercase().normalize(&s) }
    }

    /// clean_text (drop NUL, U+FFFD and controls; whitespace → space) and handle_chinese_chars (a space
    /// on each side of every CJK ideograph), in one pass; nothing is copied when neither applies.
    private func cleanAndPad(_ s: inout NormalizedString) {
        var needed = false
        for c in s.chars {
            let v = c.value
            if cleanText && (v < 0x20 || v == 0x7F) { needed = true; break }
            if v >= 0x80 && (cleanText || CharacterClasses.isChineseChar(c)) { needed = true; break }
        }
        if !needed { return }
        let n = s.chars.count
        var nc: [Unicode.Scalar] = [], ns: [Int] = [], ne: [Int] = []
        nc.reserveCapacity(n * 3); ns.reserveCapacity(n * 3); ne.reserveCapacity(n * 3)
        for i in 0..<n {
            var c = s.chars[i]
            let a = s.starts[i], b = s.ends[i]
            if handleChineseChars && CharacterClasses.isChineseChar(c) {
                nc.append(" "); nc.append(c); nc.append(" ")
                ns.append(a); ns.append(a); ns.append(a)
                ne.append(b); ne.append(b); ne.append(b)
                continue
            }
            if cleanText {
                if c.value == 0 || c.value == 0xFFFD || CharacterClasses.isBertControl(c) { continue }
                if CharacterClasses.isBertWhitespace(c) { c = " " }
            }
            nc.append(c); ns.append(a); ne.append(b)
        }
        s.chars = nc; s.starts = ns; s.ends = ne
    }
}
