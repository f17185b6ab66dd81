/// JSON text of the values every face writes: a string literal and a float vector. Floats use Swift's
/// shortest round-trip form, so a reader parsing them as float32 gets the engine's exact values back.
public enum JSONText {
    /// `s` as a JSON string literal (quotes, backslashes and control characters escaped).
    public static func quote(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// `[x0,x1,...]`; a non-finite value, which JSON cannot hold, is written `null` (`EmbeddingPlan.finish`
    /// refuses such vectors before they reach a writer).
    public static func vector(_ v: [Float]) -> String {
        "[" + v.map { $0.isFinite ? $0.description : "null" }.joined(separator: ",") + "]"
    }

    /// `[n0,n1,...]`.
    public static func integers(_ v: [Int]) -> String {
        "[" + v.map(String.init).joined(separator: ",") + "]"
    }
}

extension JSONText {
    /// A text's chunks as `embedkit chunk` prints them and `POST /chunk` returns them:
    /// `{"chunks": [{"start", "end", "token_start", "token_end", "truncated"?, "embedding"}, ...]}`.
    public static func chunks(_ chunks: [TextChunk]) -> String {
        let items = chunks.map { c in
            #"{"start":\#(c.start),"end":\#(c.end),"token_start":\#(c.tokenStart),"token_end":\#(c.tokenEnd),"#
                + (c.truncated ? #""truncated":true,"# : "") + #""embedding":"# + vector(c.embedding) + "}"
        }
        return #"{"chunks":["# + items.joined(separator: ",") + "]}"
    }
}
