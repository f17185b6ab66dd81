import Foundation

/// HF `WordPiece`: greedy longest-match-first with a continuing-subword prefix; unknown words → unk.
struct WordPiece: TokenizerModel {
    let vocab: Vocabulary
    let unkToken: String
    let unkId: Int?
    let prefix: [Unicode.Scalar]
    let maxInputCharsPerWord: Int
    /// Tokens that do not start with the prefix (candidates for a word's first piece) are all in
    /// `vocab`; `continuing` holds the tokens that do, keyed without the prefix.
    let continuing: ScalarTable
    /// id of each one-scalar token (fast path for one-scalar words such as CJK ideographs).
    let singleScalarIds: ScalarMap

    init(vocab: [String: Int], unkToken: String, prefix: String, maxInputCharsPerWord: Int) {
        self.vocab = Vocabulary(vocab)
        self.unkToken = unkToken
        self.unkId = self.vocab.id(unkToken)
        let p = prefix.scalars
        self.prefix = p
        self.maxInputCharsPerWord = maxInputCharsPerWord
        var cont: [([Unicode.Scalar], Int)] = []
        var single: [(Unicode.Scalar, Int)] = []
        for (t, i) in self.vocab.pairs {
            let u = Array(t.unicodeScalars)
            if u.count == 1 { single.append((u[0], i)) }
            if !p.isEmpty && u.count >= p.count && u[0..<p.count].elementsEqual(p) {
                cont.append((Array(u[p.count...]), i))
            }
        }
        continuing = ScalarTable(cont)
        singleScalarIds = ScalarMap(single)
    }

    init(_ j: JSONObject) throws {
        let v = try Vocabulary.parse(j["vocab"], j)
        let unk = try j.optionalString("unk_token") ?? "[UNK]"
        guard v[unk] != nil else { throw j.fail("unk_token '\(unk)' is not in the vocabulary") }
        self.init(vocab: v, unkToken: unk,
                  prefix: try j.optionalString("continuing_subword_prefix") ?? "##",
                  maxInputCharsPerWord: try j.int("max_input_chars_per_word") ?? 100)
    }

    func tokenize(_ word: UnsafeBufferPointer<Unicode.Scalar>, into tokens: inout [ModelToken]) {
        let n = word.count
        if n == 0 { return }
        if n > maxInputCharsPerWord {
            if let u = unkId { tokens.append(ModelToken(id: u, range: 0..<n)) }
            return
        }
        if n == 1, let id = singleScalarIds[word[0]] {
            tokens.append(ModelToken(id: id, range: 0..<1)); return
        }
        let mark = tokens.count
        var start = 0
        while start < n {
            // The first piece is a whole-vocabulary token; later ones are prefix + piece. An empty
            // prefix makes both the same table.
            let table = start == 0 || prefix.isEmpty
            var end = min(n, start + (table ? vocab.maxTokenLength : continuing.maxKeyLength))
            var found: Int? = nil
            while start < end {
                let piece = UnsafeBufferPointer(rebasing: word[start..<end])
                if let id = table ? vocab.id(piece) : continuing.id(piece) { found = id; break }
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

    func tokenToId(_ token: String) -> Int? { vocab.id(token) }
    func idToToken(_ id: Int) -> String? { vocab.token(id) }
    var vocabularySize: Int { vocab.count }
}
