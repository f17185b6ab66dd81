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
        if cleanText {
            var needs = false
            for c in s.chars where c.value < 0x20 || c.value >= 0x7F { needs = true; break }
            if needs {
                s.filter { c in !(c.value == 0 || c.value == 0xFFFD || CharacterClasses.isBertControl(c)) }
                s.map { CharacterClasses.isBertWhitespace($0) ? " " : $0 }
            }
        }
        if handleChineseChars {
            var needs = false
            for c in s.chars where CharacterClasses.isChineseChar(c) { needs = true; break }
            if needs {
                s.flatMap { c, out in
                    if CharacterClasses.isChineseChar(c) {
                        out.append(" "); out.append(c); out.append(" ")
                    } else { out.append(c) }
                }
            }
        }
        if stripAccents {
            UnicodeNormalizer(form: .nfd).normalize(&s)
            s.filter { !CharacterClasses.isNonSpacingMark($0) }
        }
        if lowercase { Lowercase().normalize(&s) }
    }
}
