import Foundation

/// A tokenizer.json `pre_tokenizer`: splits one piece of normalized text into words.
protocol PreTokenizer: Sendable {
    func preTokenize(_ s: NormalizedString) -> [NormalizedString]
}

/// A pre-tokenizer that only cuts the text, never changes it: its words are ranges of the piece, so
/// the tokenizer can hand the model views into the piece instead of copies.
protocol SplittingPreTokenizer: PreTokenizer {
    /// The words of `chars`, in order, non-empty.
    func wordRanges(_ chars: UnsafeBufferPointer<Unicode.Scalar>) -> [Range<Int>]
}

extension SplittingPreTokenizer {
    func preTokenize(_ s: NormalizedString) -> [NormalizedString] {
        s.chars.withUnsafeBufferPointer { wordRanges($0) }.map { s.slice($0) }
    }
}

/// The pieces of `chars` when each scalar for which `isDelimiter` holds is one match, split with `behavior`.
func splitRanges(_ chars: UnsafeBufferPointer<Unicode.Scalar>, where isDelimiter: (Unicode.Scalar) -> Bool,
                 _ behavior: SplitDelimiterBehavior) -> [Range<Int>] {
    var found: [Range<Int>] = []
    for i in 0..<chars.count where isDelimiter(chars[i]) { found.append(i..<i + 1) }
    if found.isEmpty { return chars.isEmpty ? [] : [0..<chars.count] }
    return behavior.apply(coverMatches(found, length: chars.count))
}

enum PreTokenizerFactory {
    static func make(_ any: Any?, file: String) throws -> PreTokenizer? {
        guard let any, !(any is NSNullType) else { return nil }
        let j = try JSONObject(any, file: file, component: "pre_tokenizer")
        let type = try j.type()
        switch type {
        case "BertPreTokenizer": return BertPreTokenizer()
        case "Whitespace": return Whitespace()
        case "WhitespaceSplit": return WhitespaceSplit()
        case "ByteLevel": return try ByteLevel(j)
        case "Metaspace": return try Metaspace(j)
        case "Punctuation": return try Punctuation(j)
        case "Digits": return try Digits(j)
        case "Split": return try Split(j)
        case "Sequence":
            guard let list = try j.array("pretokenizers") else { throw j.fail("missing 'pretokenizers'") }
            let parts = try list.compactMap { try make($0, file: file) }
            let splitters = parts.compactMap { $0 as? SplittingPreTokenizer }
            if splitters.count == parts.count { return SplittingSequence(preTokenizers: splitters) }
            return PreTokenizerSequence(preTokenizers: parts)
        default:
            throw TokenizerError.unsupportedComponent(file: file, kind: "pre_tokenizer", type: type)
        }
    }
}

struct PreTokenizerSequence: PreTokenizer {
    let preTokenizers: [PreTokenizer]
    func preTokenize(_ s: NormalizedString) -> [NormalizedString] {
        var pieces = [s]
        for p in preTokenizers { pieces = pieces.flatMap { p.preTokenize($0) } }
        return pieces
    }
}

/// A `Sequence` of pre-tokenizers that only split: each one cuts the words of the previous one.
struct SplittingSequence: SplittingPreTokenizer {
    let preTokenizers: [SplittingPreTokenizer]
    func wordRanges(_ chars: UnsafeBufferPointer<Unicode.Scalar>) -> [Range<Int>] {
        var ranges = chars.isEmpty ? [] : [0..<chars.count]
        for p in preTokenizers {
            var next: [Range<Int>] = []
            for r in ranges {
                for w in p.wordRanges(UnsafeBufferPointer(rebasing: chars[r])) {
                    next.append(r.lowerBound + w.lowerBound..<r.lowerBound + w.upperBound)
                }
            }
            ranges = next
        }
        return ranges
    }
}
