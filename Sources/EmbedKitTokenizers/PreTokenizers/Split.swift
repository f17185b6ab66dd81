import Foundation

/// HF `Split`: a string or regex pattern, a delimiter behavior, and `invert`.
struct Split: SplittingPreTokenizer {
    let pattern: TextPattern
    let behavior: SplitDelimiterBehavior
    let invert: Bool

    init(_ j: JSONObject) throws {
        pattern = try TextPattern.parse(j["pattern"], j)
        behavior = try SplitDelimiterBehavior.parse(try j.string("behavior"), j)
        invert = try j.bool("invert", default: false)
    }

    func wordRanges(_ chars: UnsafeBufferPointer<Unicode.Scalar>) -> [Range<Int>] {
        let found = pattern.findMatches(Array(chars))
        return behavior.apply(coverMatches(found, length: chars.count, invert: invert))
    }
}
