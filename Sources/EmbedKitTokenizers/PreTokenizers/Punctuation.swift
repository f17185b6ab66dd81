import Foundation

/// HF `Punctuation`: splits on punctuation scalars with the given behavior (default isolated).
struct Punctuation: SplittingPreTokenizer {
    let behavior: SplitDelimiterBehavior
    init(_ j: JSONObject) throws {
        behavior = try SplitDelimiterBehavior.parse(try j.optionalString("behavior") ?? "isolated", j)
    }
    func wordRanges(_ chars: UnsafeBufferPointer<Unicode.Scalar>) -> [Range<Int>] {
        splitRanges(chars, where: CharacterClasses.isBertPunctuation, behavior)
    }
}
