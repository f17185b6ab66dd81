import Foundation

/// One entry of tokenizer.json `added_tokens`.
public struct AddedToken: Sendable, Equatable {
    public let id: Int
    public let content: String
    public let special: Bool
    public let singleWord: Bool
    public let lstrip: Bool
    public let rstrip: Bool
    public let normalized: Bool

    public init(id: Int, content: String, special: Bool, singleWord: Bool = false, lstrip: Bool = false,
                rstrip: Bool = false, normalized: Bool? = nil) {
        self.id = id
        self.content = content
        self.special = special
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized ?? !special
    }
}

/// A piece of the input after added-token matching: plain text (to normalize / pre-tokenize) or an added token.
struct InputPiece {
    var text: NormalizedString
    var addedTokenId: Int?
}

/// HF `AddedVocabulary`: finds added tokens (leftmost-longest) before the pipeline runs. Tokens with
/// `normalized: false` are matched in the original text, the others in the normalized text.
struct AddedVocabulary: Sendable {
    let tokens: [AddedToken]
    let byContent: [String: Int]
    let byId: [Int: AddedToken]
    private let rawPatterns: Matcher
    private let normalizedPatterns: Matcher

    struct Matcher: Sendable {
        /// first scalar → (pattern, token index), longest first
        let byFirst: [UInt32: [([Unicode.Scalar], Int)]]
        var isEmpty: Bool { byFirst.isEmpty }

        init(_ patterns: [([Unicode.Scalar], Int)]) {
            var d: [UInt32: [([Unicode.Scalar], Int)]] = [:]
            for (p, i) in patterns where !p.isEmpty { d[p[0].value, default: []].append((p, i)) }
            for k in d.keys { d[k]!.sort { $0.0.count > $1.0.count } }
            byFirst = d
        }

        /// Leftmost-longest match at or after `from`.
        func next(in c: [Unicode.Scalar], from: Int) -> (Range<Int>, Int)? {
            var i = from
            while i < c.count {
                if let cands = byFirst[c[i].value] {
                    for (p, t) in cands where i + p.count <= c.count && c[i..<i + p.count].elementsEqual(p) {
                        return (i..<i + p.count, t)
                    }
                }
                i += 1
            }
            return nil
        }
    }

    init(tokens: [AddedToken], normalizer: Normalizer?) {
        self.tokens = tokens
        var bc: [String: Int] = [:], bi: [Int: AddedToken] = [:]
        for t in tokens { bc[t.content] = t.id; bi[t.id] = t }
        byContent = bc
        byId = bi
        var raw: [([Unicode.Scalar], Int)] = [], norm: [([Unicode.Scalar], Int)] = []
        for (i, t) in tokens.enumerated() {
            if t.normalized {
                var ns = NormalizedString(original: t.content.scalars)
                normalizer?.normalize(&ns)
                norm.append((ns.chars, i))
            } else {
                raw.append((t.content.scalars, i))
            }
        }
        rawPatterns = Matcher(raw)
        normalizedPatterns = Matcher(norm)
    }

    /// Splits the original text, normalizing the non-token pieces with `normalizer`.
    func split(_ original: [Unicode.Scalar], normalizer: Normalizer?) -> [InputPiece] {
        let whole = NormalizedString(original: original)
        var out: [InputPiece] = []
        for piece in split(whole, with: rawPatterns) {
            if piece.addedTokenId != nil { out.append(piece); continue }
            var t = piece.text
            normalizer?.normalize(&t)
            out.append(contentsOf: split(t, with: normalizedPatterns))
        }
        return out
    }

    private static func endsWithWord(_ c: [Unicode.Scalar], _ at: Int) -> Bool {
        at > 0 && CharacterClasses.isWordChar(c[at - 1])
    }

    private func split(_ s: NormalizedString, with m: Matcher) -> [InputPiece] {
        let c = s.chars
        if m.isEmpty || c.isEmpty { return [InputPiece(text: s, addedTokenId: nil)] }
        var out: [InputPiece] = []
        var startOffset = 0
        var pos = 0
        while let (r, ti) = m.next(in: c, from: pos) {
            pos = r.upperBound
            let t = tokens[ti]
            var start = r.lowerBound, stop = r.upperBound
            if t.singleWord {
                let startSpace = start == 0 || !CharacterClasses.isWordChar(c[start - 1])
                let stopSpace = stop == c.count || !CharacterClasses.isWordChar(c[stop])
                if !startSpace || !stopSpace { continue }
            }
            if t.lstrip {
                var k = start
                while k > 0 && CharacterClasses.isWhitespace(c[k - 1]) { k -= 1 }
                start = max(k, startOffset)
            }
            if t.rstrip {
                while stop < c.count && CharacterClasses.isWhitespace(c[stop]) { stop += 1 }
            }
            if start < startOffset { continue }
            if startOffset < start { out.append(InputPiece(text: s.slice(startOffset..<start), addedTokenId: nil)) }
            out.append(InputPiece(text: s.slice(start..<stop), addedTokenId: t.id))
            startOffset = stop
            pos = max(pos, stop)
        }
        if startOffset < c.count { out.append(InputPiece(text: s.slice(startOffset..<c.count), addedTokenId: nil)) }
        return out
    }
}
