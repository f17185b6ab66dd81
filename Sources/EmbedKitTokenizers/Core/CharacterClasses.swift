import Foundation

/// Character classes used by HF `tokenizers` (Rust `char` methods, `unicode_categories`, Oniguruma classes).
enum CharacterClasses {
    /// CJK Unified Ideographs and Extension A (U+3400–U+9FFF, with the Yijing symbols between them):
    /// letters or symbols, never whitespace, punctuation, marks or controls, unchanged by case mapping
    /// and normalization. Lets the common case of Chinese text skip Unicode property lookups.
    @inline(__always)
    static func isPlainIdeograph(_ v: UInt32) -> Bool { v >= 0x3400 && v <= 0x9FFF }

    /// Rust `char::is_whitespace` (Unicode White_Space); also Oniguruma `\s`.
    @inline(__always)
    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
        if isPlainIdeograph(v) { return false }
        return c.properties.isWhitespace
    }

    /// BertNormalizer's whitespace: \t \n \r or White_Space.
    @inline(__always)
    static func isBertWhitespace(_ c: Unicode.Scalar) -> Bool { isWhitespace(c) }

    /// BertNormalizer's control (removed by clean_text): categories C* except \t \n \r.
    @inline(__always)
    static func isBertControl(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v == 0x09 || v == 0x0A || v == 0x0D { return false }
        if v < 0x20 || v == 0x7F { return true }
        if v < 0x80 || isPlainIdeograph(v) { return false }
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// BERT punctuation: ASCII symbol ranges plus Unicode P*.
    @inline(__always)
    static func isBertPunctuation(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if (v >= 33 && v <= 47) || (v >= 58 && v <= 64) || (v >= 91 && v <= 96) || (v >= 123 && v <= 126) { return true }
        if v < 0x80 || isPlainIdeograph(v) { return false }
        return isUnicodePunctuation(c)
    }

    @inline(__always)
    static func isUnicodePunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// The CJK blocks BERT pads with spaces.
    @inline(__always)
    static func isChineseChar(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }

    /// Unicode Mn (non-spacing mark).
    @inline(__always)
    static func isNonSpacingMark(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x300 || isPlainIdeograph(c.value) { return false }
        return c.properties.generalCategory == .nonspacingMark
    }

    /// Unicode M* (combining mark).
    @inline(__always)
    static func isCombiningMark(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x300 || isPlainIdeograph(c.value) { return false }
        switch c.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// `\p{L}`.
    @inline(__always)
    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 { return (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`; also Rust `char::is_numeric`.
    @inline(__always)
    static func isNumber(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 { return v >= 0x30 && v <= 0x39 }
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Oniguruma `\w` (Unicode): Alphabetic, marks, decimal digits, connector punctuation, join controls.
    @inline(__always)
    static func isWordChar(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 {
            return (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) || v == 0x5F
        }
        let p = c.properties
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}
