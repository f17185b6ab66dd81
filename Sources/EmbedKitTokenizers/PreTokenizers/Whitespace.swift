import Foundation

/// HF `Whitespace`: the regex `\w+|[^\w\s]+`, hand-matched.
struct Whitespace: SplittingPreTokenizer {
    func wordRanges(_ c: UnsafeBufferPointer<Unicode.Scalar>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        let n = c.count
        var i = 0
        while i < n {
            let ch = c[i]
            if CharacterClasses.isWordChar(ch) {
                var j = i + 1
                while j < n && CharacterClasses.isWordChar(c[j]) { j += 1 }
                out.append(i..<j); i = j
            } else if CharacterClasses.isWhitespace(ch) {
                i += 1
            } else {
                var j = i + 1
                while j < n && !CharacterClasses.isWordChar(c[j]) && !CharacterClasses.isWhitespace(c[j]) { j += 1 }
                out.append(i..<j); i = j
            }
        }
        return out
    }
}
