import Foundation

/// HF `Lowercase`: full Unicode lowercase mapping of each scalar (Rust `char::to_lowercase`).
struct Lowercase: Normalizer {
    func normalize(_ s: inout NormalizedString) {
        var simple = true
        for i in 0..<s.chars.count {
            let v = s.chars[i].value
            if v < 0x80 {
                if v >= 0x41 && v <= 0x5A { s.chars[i] = Unicode.Scalar(v + 32)! }
            } else if simple && !CharacterClasses.isPlainIdeograph(v) && s.chars[i].properties.changesWhenLowercased {
                simple = false
            }
        }
        if simple { return }
        s.flatMap { c, out in
            if c.value < 0x80 || CharacterClasses.isPlainIdeograph(c.value) { out.append(c); return }
            let p = c.properties
            if !p.changesWhenLowercased { out.append(c); return }
            out.append(contentsOf: p.lowercaseMapping.unicodeScalars)
        }
    }
}
