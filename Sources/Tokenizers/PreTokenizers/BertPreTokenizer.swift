import Foundation

/// HF `BertPreTokenizer`: splits on whitespace (removed) and isolates each punctuation scalar.
struct BertPreTokenizer: PreTokenizer {
    func preTokenize(_ s: NormalizedString) -> [NormalizedString] {
        var out: [NormalizedString] = []
        let c = s.chars
        var i = 0
        let n = c.count
        while i < n {
            let ch = c[i]
            if CharacterClasses.isWhitespace(ch) { i += 1; continue }
            if CharacterClasses.isBertPunctuation(ch) { out.append(s.slice(i..<i + 1)); i += 1; continue }
            var j = i + 1
            while j < n && !CharacterClasses.isWhitespace(c[j]) && !CharacterClasses.isBertPunctuation(c[j]) { j += 1 }
            out.append(s.slice(i..<j))
            i = j
        }
        return out
    }
}
