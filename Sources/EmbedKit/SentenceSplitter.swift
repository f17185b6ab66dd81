/// Where sentences start in a text, for sentence-aware chunking: after `.`, `!`, `?`, `…` (and the
/// closing quotes or brackets that follow them) when whitespace or the end follows; after the CJK
/// full stops `。！？` always; and after every line break. Offsets are Unicode-scalar indices.
/// Abbreviations ("e.g. this") are taken as sentence ends: chunk boundaries only need to be plausible,
/// and a chunk still never splits a word.
enum SentenceSplitter {
    static func sentenceStarts(_ scalars: [Unicode.Scalar]) -> [Int] {
        var starts: [Int] = []
        var i = 0
        let n = scalars.count
        while i < n && isSpace(scalars[i]) { i += 1 }
        if i < n { starts.append(i) }
        while i < n {
            let c = scalars[i]
            var end: Int? = nil
            if c == "\n" || c == "\r" {
                end = i + 1
            } else if "。！？｡".unicodeScalars.contains(c) {
                end = afterClosers(scalars, i + 1)
            } else if ".!?…".unicodeScalars.contains(c) {
                let j = afterClosers(scalars, i + 1)
                if j == n || isSpace(scalars[j]) { end = j }
            }
            if let e = end {
                var j = e
                while j < n && isSpace(scalars[j]) { j += 1 }
                if j < n && j > (starts.last ?? -1) { starts.append(j) }
                i = max(j, i + 1)
            } else {
                i += 1
            }
        }
        return starts
    }

    private static func afterClosers(_ s: [Unicode.Scalar], _ from: Int) -> Int {
        var j = from
        while j < s.count && (".!?…。！？\"')]}”’」』）".unicodeScalars.contains(s[j])) { j += 1 }
        return j
    }

    private static func isSpace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }
}
