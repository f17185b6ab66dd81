import Foundation

/// HF `WordPiece`: greedy longest-match-first with a continuing-subword prefix; unknown words → unk.
struct WordPiece: TokenizerModel {
    let vocab: Vocabulary
    let unkToken: String
    let unkId: Int?
    let prefix: [Unicode.Scalar]
    let maxInputCharsPerWord: Int

    init(vocab: [String: Int], unkToken: String, prefix: String, maxInputCharsPerWord: Int) {
        self.vocab = Vocabulary(vocab)
        self.unkToken = unkToken
        self.unkId = vocab[unkToken]
        self.prefix = prefix.scalars
        self.maxInputCharsPerWord = maxInputCharsPerWord
    }

    init(_ j: JSONObject) throws {
        let v = try Vocabulary.parse(j["vocab"], j)
        let unk = try j.optionalString("unk_token") ?? "[UNK]"
        guard v[unk] != nil else { throw j.fail("unk_token '\(unk)' is not in the vocabulary") }
        self.init(vocab: v, unkToken: unk,
                  prefix: try j.optionalString("continuing_subword_prefix") ?? "##",
                  maxInputCharsPerWord: try j.int("max_input_chars_per_word") ?? 100)
    }

    func tokenize(_ word: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        let n = word.count
        if n == 0 { return }
        if n > maxInputCharsPerWord {
            if let u = unkId { tokens.append(ModelToken(id: u, range: 0..<n)) }
            return
        }
        let mark = tokens.count
        var start = 0
        var key = String()
        while start < n {
            var end = min(n, start + vocab.maxTokenLength)
            var found: Int? = nil
            while start < end {
                key.removeAll(keepingCapacity: true)
                if start > 0 { key.unicodeScalars.append(contentsOf: prefix) }
                key.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocab.tokenToId[key] { found = id; break }
                end -= 1
            }
            guard let id = found else {
                tokens.removeSubrange(mark...)
                if let u = unkId { tokens.append(ModelToken(id: u, range: 0..<n)) }
                return
            }
            tokens.append(ModelToken(id: id, range: start..<end))
            start = end
        }
    }

    func tokenToId(_ token: String) -> Int? { vocab.tokenToId[token] }
    func idToToken(_ id: Int) -> String? { vocab.idToToken[id] }
    var vocabularySize: Int { vocab.tokenToId.count }
}
