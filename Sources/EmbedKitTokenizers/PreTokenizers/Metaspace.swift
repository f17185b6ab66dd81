import Foundation

/// HF `Metaspace`: spaces become the replacement (▁), optionally prepended, then split before each one.
struct Metaspace: PreTokenizer {
    enum PrependScheme { case always, first, never }
    let replacement: Unicode.Scalar
    let prependScheme: PrependScheme
    let split: Bool

    init(_ j: JSONObject) throws {
        let r = try j.optionalString("replacement") ?? "▁"
        guard r.unicodeScalars.count == 1, let sc = r.unicodeScalars.first else {
            throw j.fail("'replacement' must be a single character")
        }
        replacement = sc
        if let scheme = try j.optionalString("prepend_scheme") {
            switch scheme {
            case "always": prependScheme = .always
            case "first": prependScheme = .first
            case "never": prependScheme = .never
            default: throw j.fail("unknown prepend_scheme '\(scheme)'")
            }
        } else {
            prependScheme = try j.bool("add_prefix_space", default: true) ? .always : .never
        }
        split = try j.bool("split", default: true)
    }

    init(replacement: Unicode.Scalar, prependScheme: PrependScheme, split: Bool) {
        self.replacement = replacement
        self.prependScheme = prependScheme
        self.split = split
    }

    func preTokenize(_ s: NormalizedString) -> [NormalizedString] {
        var t = s
        t.map { $0 == " " ? replacement : $0 }
        let startsWithReplacement = t.chars.first == replacement
        switch prependScheme {
        case .always: if !startsWithReplacement { t.prepend([replacement]) }
        case .first: if !startsWithReplacement && t.originalStart == 0 { t.prepend([replacement]) }
        case .never: break
        }
        if !split { return t.isEmpty ? [] : [t] }
        return t.split(where: { $0 == replacement }, .mergedWithNext)
    }
}
