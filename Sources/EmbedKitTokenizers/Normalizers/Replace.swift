import Foundation

/// HF `Replace`: replaces every match of a string or regex pattern with `content`.
struct Replace: Normalizer {
    let pattern: TextPattern
    let content: [Unicode.Scalar]

    init(_ j: JSONObject) throws {
        pattern = try TextPattern.parse(j["pattern"], j)
        content = try j.string("content").scalars
    }

    func normalize(_ s: inout NormalizedString) {
        let found = pattern.findMatches(s.chars).filter { !$0.isEmpty }
        s.replace(ranges: found, with: content)
    }
}
