import Foundation

/// HF `Punctuation`: splits on punctuation scalars with the given behavior (default isolated).
struct Punctuation: PreTokenizer {
    let behavior: SplitDelimiterBehavior
    init(_ j: JSONObject) throws {
        behavior = try SplitDelimiterBehavior.parse(try j.optionalString("behavior") ?? "isolated", j)
    }
    func preTokenize(_ s: NormalizedString) -> [NormalizedString] {
        s.split(where: CharacterClasses.isBertPunctuation, behavior)
    }
}
