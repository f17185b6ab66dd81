import Foundation

/// A tokenizer.json `pre_tokenizer`: splits one piece of normalized text into words.
protocol PreTokenizer: Sendable {
    func preTokenize(_ s: NormalizedString) -> [NormalizedString]
}

enum PreTokenizerFactory {
    static func make(_ any: Any?, file: String) throws -> PreTokenizer? {
        guard let any, !(any is NSNullType) else { return nil }
        let j = try JSONObject(any, file: file, component: "pre_tokenizer")
        let type = try j.type()
        switch type {
        case "BertPreTokenizer": return BertPreTokenizer()
        case "Whitespace": return Whitespace()
        case "WhitespaceSplit": return WhitespaceSplit()
        case "ByteLevel": return try ByteLevel(j)
        case "Metaspace": return try Metaspace(j)
        case "Punctuation": return try Punctuation(j)
        case "Digits": return try Digits(j)
        case "Split": return try Split(j)
        case "Sequence":
            guard let list = try j.array("pretokenizers") else { throw j.fail("missing 'pretokenizers'") }
            return PreTokenizerSequence(preTokenizers: try list.compactMap { try make($0, file: file) })
        default:
            throw TokenizerError.unsupportedComponent(file: file, kind: "pre_tokenizer", type: type)
        }
    }
}

struct PreTokenizerSequence: PreTokenizer {
    let preTokenizers: [PreTokenizer]
    func preTokenize(_ s: NormalizedString) -> [NormalizedString] {
        var pieces = [s]
        for p in preTokenizers { pieces = pieces.flatMap { p.preTokenize($0) } }
        return pieces
    }
}
