import Foundation

/// A tokenizer.json `decoder`: turns tokens back into text pieces (joined by the caller).
protocol Decoder: Sendable {
    func decodeChain(_ tokens: [String]) -> [String]
}

enum DecoderFactory {
    static func make(_ any: Any?, file: String) throws -> Decoder? {
        guard let any, !(any is NSNullType) else { return nil }
        let j = try JSONObject(any, file: file, component: "decoder")
        let type = try j.type()
        switch type {
        case "WordPiece": return try WordPieceDecoder(j)
        case "ByteLevel": return ByteLevelDecoder()
        case "Metaspace": return try MetaspaceDecoder(j)
        case "BPEDecoder": return try BPEDecoder(j)
        case "ByteFallback": return ByteFallbackDecoder()
        case "Fuse": return FuseDecoder()
        case "Strip": return try StripDecoder(j)
        case "Replace": return try ReplaceDecoder(j)
        case "Sequence":
            guard let list = try j.array("decoders") else { throw j.fail("missing 'decoders'") }
            return DecoderSequence(decoders: try list.compactMap { try make($0, file: file) })
        default:
            throw TokenizerError.unsupportedComponent(file: file, kind: "decoder", type: type)
        }
    }
}

struct DecoderSequence: Decoder {
    let decoders: [Decoder]
    func decodeChain(_ tokens: [String]) -> [String] {
        decoders.reduce(tokens) { $1.decodeChain($0) }
    }
}
