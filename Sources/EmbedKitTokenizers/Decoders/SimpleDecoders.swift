import Foundation

/// HF `ByteFallback`: runs of `<0xXX>` tokens become the UTF-8 text they encode (U+FFFD if invalid).
struct ByteFallbackDecoder: Decoder {
    func decodeChain(_ tokens: [String]) -> [String] {
        var out: [String] = []
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            if let s = String(validating: pending, as: UTF8.self) { out.append(s) } else {
                out.append(contentsOf: Array(repeating: "\u{FFFD}", count: pending.count))
            }
            pending.removeAll()
        }
        for t in tokens {
            let u = Array(t.utf8)
            if u.count == 6, t.hasPrefix("<0x"), t.hasSuffix(">"), let b = UInt8(String(t.dropFirst(3).prefix(2)), radix: 16) {
                pending.append(b)
            } else {
                flush(); out.append(t)
            }
        }
        flush()
        return out
    }
}

/// HF `Fuse`: all tokens into one string.
struct FuseDecoder: Decoder {
    func decodeChain(_ tokens: [String]) -> [String] { [tokens.joined()] }
}

/// HF `Strip` decoder: removes `content` up to `start` times at the start and `stop` at the end of each token.
struct StripDecoder: Decoder {
    let content: Character
    let start: Int
    let stop: Int

    init(_ j: JSONObject) throws {
        let c = try j.optionalString("content") ?? " "
        guard c.count == 1 else { throw j.fail("'content' must be one character") }
        content = c.first!
        start = try j.int("start") ?? 0
        stop = try j.int("stop") ?? 0
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { tok in
            var t = Substring(tok)
            var k = 0
            while k < start, t.first == content { t.removeFirst(); k += 1 }
            k = 0
            while k < stop, t.last == content { t.removeLast(); k += 1 }
            return String(t)
        }
    }
}

/// HF `Replace` decoder: a literal pattern replaced in every token.
struct ReplaceDecoder: Decoder {
    let pattern: String
    let content: String

    init(_ j: JSONObject) throws {
        let p = try JSONObject(j["pattern"], file: j.file, component: "decoder.pattern")
        guard let s = p["String"] as? String else { throw j.fail("only String patterns are supported in the Replace decoder") }
        pattern = s
        content = try j.string("content")
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { $0.replacingOccurrences(of: pattern, with: content) }
    }
}
