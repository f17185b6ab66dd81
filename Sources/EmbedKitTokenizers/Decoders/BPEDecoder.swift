import Foundation

/// HF `BPEDecoder`: the end-of-word suffix becomes a space (nothing after the last token).
struct BPEDecoder: Decoder {
    let suffix: String

    init(_ j: JSONObject) throws {
        suffix = try j.optionalString("suffix") ?? "</w>"
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, tok in
            tok.replacingOccurrences(of: suffix, with: i == tokens.count - 1 ? "" : " ")
        }
    }
}
