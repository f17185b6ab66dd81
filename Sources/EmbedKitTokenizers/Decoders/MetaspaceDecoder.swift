import Foundation

/// HF `Metaspace` decoder: ▁ → space, the first token's leading space removed (unless prepend_scheme never).
struct MetaspaceDecoder: Decoder {
    let replacement: Character
    let stripFirst: Bool

    init(_ j: JSONObject) throws {
        let r = try j.optionalString("replacement") ?? "▁"
        guard r.count == 1 else { throw j.fail("'replacement' must be a single character") }
        replacement = r.first!
        if let scheme = try j.optionalString("prepend_scheme") {
            stripFirst = scheme != "never"
        } else {
            stripFirst = try j.bool("add_prefix_space", default: true)
        }
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, tok in
            var t = String(tok.map { $0 == replacement ? " " : $0 })
            if i == 0 && stripFirst && t.hasPrefix(" ") { t.removeFirst() }
            return t
        }
    }
}
