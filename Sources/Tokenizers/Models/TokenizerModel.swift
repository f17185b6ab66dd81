import Foundation

/// One token produced by a model for one word: its id and the range of word scalars it covers.
struct ModelToken {
    var id: Int
    var range: Range<Int>
}

/// A tokenizer.json `model`: turns one pre-tokenized word into tokens.
protocol TokenizerModel: Sendable {
    func tokenize(_ word: [Unicode.Scalar], into tokens: inout [ModelToken])
    func tokenToId(_ token: String) -> Int?
    func idToToken(_ id: Int) -> String?
    var vocabularySize: Int { get }
}

/// A token ↔ id table.
struct Vocabulary: Sendable {
    let tokenToId: [String: Int]
    let idToToken: [Int: String]
    /// The longest token, in scalars.
    let maxTokenLength: Int

    init(_ tokenToId: [String: Int]) {
        self.tokenToId = tokenToId
        var r: [Int: String] = [:]
        r.reserveCapacity(tokenToId.count)
        var m = 0
        for (t, i) in tokenToId {
            r[i] = t
            m = max(m, t.unicodeScalars.count)
        }
        idToToken = r
        maxTokenLength = m
    }

    static func parse(_ any: Any?, _ j: JSONObject) throws -> [String: Int] {
        guard let d = any as? [String: Any] else { throw j.fail("'vocab' must be an object of token → id") }
        var out: [String: Int] = [:]
        out.reserveCapacity(d.count)
        for (k, v) in d {
            guard let n = v as? NSNumberLike, let i = n.intValue, i >= 0 else { throw j.fail("vocab id of '\(k)' is not a non-negative integer") }
            out[k] = i
        }
        return out
    }
}

enum ModelFactory {
    static func make(_ any: Any?, file: String) throws -> TokenizerModel {
        let j = try JSONObject(any, file: file, component: "model")
        let type: String
        if let t = try j.optionalString("type") {
            type = t
        } else if j.has("merges") {
            type = "BPE"
        } else if j.has("max_input_chars_per_word") {
            type = "WordPiece"
        } else if j["vocab"] is [Any] {
            type = "Unigram"
        } else {
            throw j.fail("missing 'type'")
        }
        switch type {
        case "WordPiece": return try WordPiece(j)
        case "BPE": return try BPE(j)
        case "Unigram": return try Unigram(j)
        case "WordLevel": return try WordLevel(j)
        default: throw TokenizerError.unsupportedComponent(file: file, kind: "model", type: type)
        }
    }
}
