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

    func tokenize(_ word: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        if word.isEmpty { return }
        if let id = vocab.tokenToId[word.string] ?? unkId { tokens.append(ModelToken(id: id, range: 0..<word.count)) }
    }

    func tokenToId(_ token: String) -> Int? { vocab.tokenToId[token] }
    func idToToken(_ id: Int) -> String? { vocab.idToToken[id] }
    var vocabularySize: Int { vocab.tokenToId.count }
}
