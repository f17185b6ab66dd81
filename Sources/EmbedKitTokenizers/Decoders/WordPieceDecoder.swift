import Foundation

/// HF `WordPiece` decoder: glues `##` pieces, spaces words, optional cleanup of spaces before punctuation.
struct WordPieceDecoder: Decoder {
    let prefix: String
    let cleanup: Bool

    init(_ j: JSONObject) throws {
        prefix = try j.optionalString("prefix") ?? "##"
        cleanup = try j.bool("cleanup", default: true)
    }

    init(prefix: String, cleanup: Bool) {
        self.prefix = prefix
        self.cleanup = cleanup
    }

    static func cleanUp(_ s: String) -> String {
        var t = s
        for (a, b) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                       (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            t = t.replacingOccurrences(of: a, with: b)
        }
        return t
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, tok in
            var t = tok
            if i != 0 {
                if t.hasPrefix(prefix) { t = String(t.dropFirst(prefix.count)) } else { t = " " + t }
            }
            return cleanup ? WordPieceDecoder.cleanUp(t) : t
        }
    }
}
