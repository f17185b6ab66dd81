import Foundation

/// HF `Strip`: removes leading and/or trailing whitespace.
struct Strip: Normalizer {
    let left: Bool
    let right: Bool

    init(_ j: JSONObject) throws {
        left = try j.bool("strip_left", default: true)
        right = try j.bool("strip_right", default: true)
    }

    func normalize(_ s: inout NormalizedString) {
        var a = 0, b = s.chars.count
        if left { while a < b && CharacterClasses.isWhitespace(s.chars[a]) { a += 1 } }
        if right { while b > a && CharacterClasses.isWhitespace(s.chars[b - 1]) { b -= 1 } }
        if a == 0 && b == s.chars.count { return }
        let os = s.originalStart, oe = s.originalEnd
        var t = s.slice(a..<b)
        t.originalStart = os; t.originalEnd = oe
        s = t
    }
}
