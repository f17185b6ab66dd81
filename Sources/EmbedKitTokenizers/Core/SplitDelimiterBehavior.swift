import Foundation

/// How a split pattern's matches are kept, as in HF `SplitDelimiterBehavior`.
enum SplitDelimiterBehavior: String {
    case removed, isolated, mergedWithPrevious = "merged_with_previous", mergedWithNext = "merged_with_next", contiguous

    static func parse(_ s: String, _ json: JSONObject) throws -> SplitDelimiterBehavior {
        switch s.lowercased() {
        case "removed": return .removed
        case "isolated": return .isolated
        case "merged_with_previous", "mergedwithprevious": return .mergedWithPrevious
        case "merged_with_next", "mergedwithnext": return .mergedWithNext
        case "contiguous": return .contiguous
        default: throw json.fail("unknown split behavior '\(s)'")
        }
    }

    /// `matches` covers 0..<n in order as (range, isMatch); returns the ranges of the resulting pieces.
    func apply(_ matches: [(Range<Int>, Bool)]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        switch self {
        case .removed:
            for (r, m) in matches where !m { out.append(r) }
        case .isolated:
            out = matches.map { $0.0 }
        case .mergedWithPrevious:
            var previousMatch = false
            for (r, m) in matches {
                if m && !previousMatch, let last = out.last {
                    out[out.count - 1] = last.lowerBound..<r.upperBound
                } else {
                    out.append(r)
                }
                previousMatch = m
            }
        case .mergedWithNext:
            var previousMatch = false
            for (r, m) in matches.reversed() {
                if m && !previousMatch, let last = out.last {
                    out[out.count - 1] = r.lowerBound..<last.upperBound
                } else {
                    out.append(r)
                }
                previousMatch = m
            }
            out.reverse()
        case .contiguous:
            var previousMatch = false
            for (r, m) in matches {
                if m == previousMatch, let last = out.last {
                    out[out.count - 1] = last.lowerBound..<r.upperBound
                } else {
                    out.append(r)
                }
                previousMatch = m
            }
        }
        return out.filter { !$0.isEmpty }
    }
}

/// Turns match ranges (sorted, non-overlapping) of a text of length `n` into the (range, isMatch) cover.
func coverMatches(_ found: [Range<Int>], length n: Int, invert: Bool = false) -> [(Range<Int>, Bool)] {
    var out: [(Range<Int>, Bool)] = []
    var prev = 0
    for r in found {
        if prev != r.lowerBound { out.append((prev..<r.lowerBound, invert)) }
        out.append((r, !invert))
        prev = r.upperBound
    }
    if prev != n { out.append((prev..<n, invert)) }
    return out
}

extension NormalizedString {
    /// Splits with `matches` (a cover of the piece) and `behavior`, dropping empty pieces.
    func split(_ matches: [(Range<Int>, Bool)], _ behavior: SplitDelimiterBehavior) -> [NormalizedString] {
        behavior.apply(matches).map { slice($0) }
    }

    /// Splits where `isDelimiter` is true, each delimiter scalar being one match.
    func split(where isDelimiter: (Unicode.Scalar) -> Bool, _ behavior: SplitDelimiterBehavior) -> [NormalizedString] {
        var found: [Range<Int>] = []
        for i in 0..<chars.count where isDelimiter(chars[i]) { found.append(i..<i + 1) }
        if found.isEmpty { return chars.isEmpty ? [] : [self] }
        return split(coverMatches(found, length: chars.count), behavior)
    }
}

/// A split/replace pattern: a literal string or an Oniguruma-style regex (run with NSRegularExpression).
enum TextPattern {
    case literal([Unicode.Scalar])
    case regex(NSRegularExpression)

    static func parse(_ any: Any?, _ json: JSONObject) throws -> TextPattern {
        let p = try JSONObject(any, file: json.file, component: "\(json.component).pattern")
        if let s = p["String"] as? String { return .literal(s.scalars) }
        if let r = p["Regex"] as? String {
            do {
                return .regex(try NSRegularExpression(pattern: r, options: []))
            } catch {
                throw json.fail("unsupported regex pattern '\(r)'")
            }
        }
        throw json.fail("pattern must be {\"String\": ...} or {\"Regex\": ...}")
    }

    /// Non-overlapping matches (scalar index ranges) in `chars`. Empty matches are kept as HF does.
    func findMatches(_ chars: [Unicode.Scalar]) -> [Range<Int>] {
        switch self {
        case .literal(let lit):
            guard !lit.isEmpty, lit.count <= chars.count else { return [] }
            var out: [Range<Int>] = []
            var i = 0
            let first = lit[0]
            while i + lit.count <= chars.count {
                if chars[i] == first && chars[i..<i + lit.count].elementsEqual(lit) {
                    out.append(i..<i + lit.count); i += lit.count
                } else { i += 1 }
            }
            return out
        case .regex(let re):
            if chars.isEmpty { return [] }
            // Map UTF-16 offsets back to scalar indices.
            var utf16ToScalar: [Int] = []
            utf16ToScalar.reserveCapacity(chars.count + 1)
            for (i, c) in chars.enumerated() {
                utf16ToScalar.append(i)
                if c.value > 0xFFFF { utf16ToScalar.append(i) }
            }
            utf16ToScalar.append(chars.count)
            let ns = chars.string as NSString
            var out: [Range<Int>] = []
            for m in re.matches(in: ns as String, options: [], range: NSRange(location: 0, length: ns.length)) {
                let a = utf16ToScalar[m.range.location]
                let b = utf16ToScalar[m.range.location + m.range.length]
                out.append(a..<b)
            }
            return out
        }
    }
}
