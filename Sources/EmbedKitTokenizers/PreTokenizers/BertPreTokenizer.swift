import Foundation

/// HF `BertPreTokenizer`: splits on whitespace (removed) and isolates each punctuation scalar.
struct BertPreTokenizer: SplittingPreTokenizer {
    func wordRanges(_ c: UnsafeBufferPointer<Unicode.Scalar>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        let n = c.count
        while i < n {
            let ch = c[i]
            if CharacterClasses.isWhitespace(ch) { i += 1; continue }
            if CharacterClasses.isBertPunctuation(ch) { out.append(i..<i + 1); i += 1; continue }
            var j = i + 1
            while j < n && !CharacterClasses.isWhitespace(c[j]) && !CharacterClasses.isBertPunctuation(c[j]) { j += 1 }
            out.append(i..<j)
            i = j
        }
        return out
    }
}
