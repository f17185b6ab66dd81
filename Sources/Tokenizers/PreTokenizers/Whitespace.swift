import Foundation

/// HF `Whitespace`: the regex `\w+|[^\w\s]+`, hand-matched.
struct Whitespace: PreTokenizer {
    func preTokenize(_ s: NormalizedString) -> [NormalizedString] {
        var out: [NormalizedString] = []
        let c = s.chars
        let n = c.count
        var i = 0
        while i < n {
            let ch = c[i]
            if CharacterClasses.isWordChar(ch) {
                var j = i + 1
                while j < n && CharacterClasses.isWordChar(c[j]) { j += 1 }
                out.append(s.slice(i..<j)); i = j
            } else if CharacterClasses.isWhitespace(ch) {
                i += 1
            } else {
                var j = i + 1
                while j < n && !CharacterClasses.isWordChar(c[j]) && !CharacterClasses.isWhitespace(c[j]) { j += 1 }
                out.append(s.slice(i..<j)); i = j
            }
        }
        return out
    }
}
