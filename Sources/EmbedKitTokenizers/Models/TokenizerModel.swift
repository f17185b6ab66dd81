import Foundation

/// One token produced by a model for one word: its id and the range of word scalars it covers.
struct ModelToken {
    var id: Int
    var range: Range<Int>
}

/// A tokenizer.json `model`: turns one pre-tokenized word into tokens.
protocol TokenizerModel: Sendable {
    /// Appends the tokens of `word` (a view into the text being tokenized; ranges are relative to it).
    func tokenize(_ word: UnsafeBufferPointer<Unicode.Scalar>, into tokens: inout [ModelToken])
    func tokenToId(_ token: String) -> Int?
    func idToToken(_ id: Int) -> String?
    var vocabularySize: Int { get }
}

extension TokenizerModel {
    func tokenize(_ word: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        word.withUnsafeBufferPointer { tokenize($0, into: &tokens) }
    }
}

/// A token ↔ id table. Lookups are scalar-exact, as in HF (Swift `String` equality is canonical
/// equivalence: "é" == "e\u{301}"), and take a view into the text, so no `String` is built.
struct Vocabulary: Sendable {
    private let table: ScalarTable
    /// Token of each id (dense up to the largest id; nil for holes).
    private let tokens: [String?]
    let count: Int

    /// The longest token, in scalars.
    var maxTokenLength: Int { table.maxKeyLength }

    @inline(__always)
    func id(_ token: UnsafeBufferPointer<Unicode.Scalar>) -> Int? { table.id(token) }

    func id(_ token: [Unicode.Scalar]) -> Int? { table.id(token) }

    /// The id of exactly `token` (same Unicode scalars).
    func id(_ token: String) -> Int? { table.id(Array(token.unicodeScalars)) }

    @inline(__always)
    func token(_ id: Int) -> String? { id >= 0 && id < tokens.count ? tokens[id] : nil }

    init(_ tokenToId: [String: Int]) {
        var dense = [String?](repeating: nil, count: (tokenToId.values.max() ?? -1) + 1)
        for (t, i) in tokenToId { dense[i] = t }
        tokens = dense
        count = tokenToId.count
        table = ScalarTable(tokenToId.map { (Array($0.key.unicodeScalars), $0.value) })
    }

    /// Every (token, id) pair.
    var pairs: [(String, Int)] {
        tokens.enumerated().compactMap { i, t in t.map { ($0, i) } }
    }

    static func parse(_ any: Any?, _ j: JSONObject) throws -> [String: Int] {
        guard let d = any as? [String: Any] else { throw j.fail("'vocab' must be an object of token → id") }
        var out: [String: Int] = [:]
        out.reserveCapacity(d.count)
        for (k, v) in d {
            guard let n = v as? NSNumberLike, let i = n.intValue, i >= 0 else { throw j.fail("vocab id of '\(k)' is not a non-negative integer") }
            guard i < 1 << 28 else { throw j.fail("vocab id \(i) of '\(k)' is implausibly large") }
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
