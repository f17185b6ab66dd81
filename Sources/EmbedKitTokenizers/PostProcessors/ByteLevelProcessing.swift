import Foundation

/// HF `ByteLevel` post-processor: trims the spaces (Ġ) out of the offsets; adds no token.
struct ByteLevelProcessing: PostProcessor {
    let trimOffsets: Bool
    let addPrefixSpace: Bool

    init(_ j: JSONObject) throws {
        trimOffsets = try j.bool("trim_offsets", default: true)
        addPrefixSpace = try j.bool("add_prefix_space", default: true)
    }

    var addedTokensSingle: Int { 0 }

    func process(_ e: inout Encoding) {
        if trimOffsets { ByteLevelProcessing.trim(&e, addPrefixSpace: addPrefixSpace) }
    }

    var addedTokensPair: Int? { 0 }

    func processPair(_ first: Encoding, _ second: Encoding) -> Encoding {
        var a = first, b = second
        process(&a)
        process(&b)
        return a.appending(b)
    }

    static func trim(_ e: inout Encoding, addPrefixSpace: Bool) {
        let space = ByteLevel.byteToChar[32]
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == space || CharacterClasses.isWhitespace(c) }
        for i in 0..<e.tokens.count {
            let u = Array(e.tokens[i].unicodeScalars)
            var lead = 0
            while lead < u.count && isSpace(u[lead]) { lead += 1 }
            var trail = 0
            while trail < u.count && isSpace(u[u.count - 1 - trail]) { trail += 1 }
            var a = e.offsets[i].lowerBound, b = e.offsets[i].upperBound
            if lead > 0 {
                if (i == 0 || a == 0) && addPrefixSpace && lead == 1 { lead = 0 }
                a = min(a + lead, b)
            }
            if trail > 0 && b >= trail { b = max(b - trail, a) }
            e.offsets[i] = a..<b
        }
    }
}
