import Foundation

/// HF `WordLevel`: each word is one token, or unk.
struct WordLevel: TokenizerModel {
    let vocab: Vocabulary
    let unkId: Int?

    init(_ j: JSONObject) throws {
        let v = try Vocabulary.parse(j["vocab"], j)
        vocab = Vocabulary(v)
        unkId = v[try j.optionalString("unk_token") ?? "<unk>"]
    }

    func tokenize(_ word: UnsafeBufferPointer<Unicode.Scalar>, into tokens: inout [ModelToken]) {
        if word.isEmpty { return }
        if let id = vocab.id(word) ?? unkId { tokens.append(ModelToken(id: id, range: 0..<word.count)) }
    }

    func tokenToId(_ token: String) -> Int? { vocab.id(token) }
    func idToToken(_ id: Int) -> String? { vocab.token(id) }
    var vocabularySize: Int { vocab.count }
}
