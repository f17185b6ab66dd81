import Foundation

/// HF `Split`: a string or regex pattern, a delimiter behavior, and `invert`.
struct Split: PreTokenizer {
    let pattern: TextPattern
    let behavior: SplitDelimiterBehavior
    let invert: Bool

    init(_ j: JSONObject) throws {
        pattern = try TextPattern.parse(j["pattern"], j)
        behavior = try SplitDelimiterBehavior.parse(try j.string("behavior"), j)
        invert = try j.bool("invert", default: false)
    }

    func preTokenize(_ s: NormalizedString) -> [NormalizedString] {
        let found = pattern.findMatches(s.chars)
        return s.split(coverMatches(found, length: s.count, invert: invert), behavior)
    }
}
