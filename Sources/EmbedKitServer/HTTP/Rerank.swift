import EmbedKit
import Foundation

/// The reranker routes: TEI's `POST /rerank` and Jina's / Cohere's `POST /v1/rerank` (Cohere's v2 client
/// posts the same body to `/v2/rerank`). A document longer than a pair holds is scored by its best
/// window (the query kept whole beside each), and its result says in how many windows (`chunks`);
/// TEI's `truncate: true` cuts the pair instead, as TEI and sentence-transformers' `CrossEncoder` do.

/// `POST /rerank` (TEI): `{query, texts, raw_scores, return_text, truncate, truncation_direction}`.
struct TEIRerankRequest: RequestBody, Sendable {
    var query: String
    var texts: [String]
    var rawScores: Bool?
    var returnText: Bool?
    var truncate: Bool?
    var truncationDirection: String?

    static let fields = keys(CodingKeys.self)
    enum CodingKeys: String, CodingKey, CaseIterable {
        case query, texts, truncate
        case rawScores = "raw_scores"
        case returnText = "return_text"
        case truncationDirection = "truncation_direction"
    }

    static let required = ["query", "texts"]
    static let properties: [(String, Schema)] = [
        ("query", .string()),
        ("texts", .array(.string(), description: "The documents to score against the query")),
        ("raw_scores", .boolean(description: "The head's logits, without its activation (default false)")),
        ("return_text", .boolean(description: "Each result carries its document's text (default false)")),
        ("truncate", .boolean(description: "Cut a pair past the max length by HF's longest_first rule; default: score a long document by its best window")),
        ("truncation_direction", .string(description: "Only Right: a pair's end is cut", values: ["Right", "right"])),
    ]

    func engineRequest() throws -> RerankRequest {
        if texts.isEmpty { throw APIError.invalid("'texts' must not be empty", param: "texts") }
        if try Truncation(direction: truncationDirection) != .right {
            throw APIError.invalid("truncation_direction \"Left\" is not supported for pairs: a pair is cut at its end", param: "truncation_direction")
        }
        return RerankRequest(query: query, documents: texts, longDocuments: truncate == true ? .truncate : .bestChunk,
                             rawScores: rawScores ?? false)
    }
}

/// `POST /v1/rerank` (Jina's and Cohere's API; `/v2/rerank` Cohere's v2): `documents` strings or `{text}`.
struct CohereRerankRequest: RequestBody, Sendable {
    /// A document: a string, or `{"text": ...}`.
    struct Document: Decodable, Sendable {
        var text: String
        init(from decoder: Decoder) throws {
            if let s = try? decoder.singleValueContainer().decode(String.self) { text = s; return }
            try JSONKey.refuseOthers(than: ["text"], in: decoder)
            text = try decoder.container(keyedBy: JSONKey.self).decode(String.self, forKey: JSONKey(stringValue: "text"))
        }
    }
    var model: String?
    var query: String
    var documents: [Document]
    var topN: Int?
    var returnDocuments: Bool?

    static let fields = keys(CodingKeys.self)
    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, query, documents
        case topN = "top_n"
        case returnDocuments = "return_documents"
    }

    static let required = ["query", "documents"]
    static let properties: [(String, Schema)] = [
        ("model", .string(description: "Echoed back as the served model's name; not checked")),
        ("query", .string()),
        ("documents", .array(.anyOf([.string(), .object([("text", .string())], required: ["text"])]),
                             description: "The documents to score: strings or {\"text\"} objects")),
        ("top_n", .integer(description: "Return the best n (default: all), best first", minimum: 1)),
        ("return_documents", .boolean(description: "Each result carries {\"text\"} of its document (default true, as Jina's API)")),
    ]

    func engineRequest() throws -> RerankRequest {
        if documents.isEmpty { throw APIError.invalid("'documents' must not be empty", param: "documents") }
        if let topN, topN < 1 { throw APIError.invalid("top_n must be at least 1, got \(topN)", param: "top_n") }
        return RerankRequest(query: query, documents: documents.map(\.text))
    }
}

/// TEI's answer: `[{"index", "score", "text"?, "chunks"?}]`, best first.
struct TEIRankList: JSONBody {
    let ranked: [CrossEncoder.Ranked]
    let texts: [String]?

    func write(into json: inout JSONWriter) {
        json.array(CrossEncoder.top(ranked, ranked.count)) { r, json in
            json.raw("{\"index\":")
            json.int(r.index)
            json.raw(",\"score\":")
            json.float(r.score)
            if let texts { json.raw(",\"text\":"); json.string(texts[r.index]) }
            if r.chunks > 1 { json.raw(",\"chunks\":"); json.int(r.chunks) }
            json.raw("}")
        }
    }
}

/// Jina's and Cohere's answer: `{"id", "model", "results": [{"index", "relevance_score", "document"?, "chunks"?}], "usage"}`.
struct CohereRankList: JSONBody {
    let ranked: [CrossEncoder.Ranked]
    let documents: [String]?
    let topN: Int?
    let model: String
    let tokens: Int

    func write(into json: inout JSONWriter) {
        json.raw("{\"id\":")
        json.string(UUID().uuidString.lowercased())
        json.raw(",\"model\":")
        json.string(model)
        json.raw(",\"results\":")
        json.array(CrossEncoder.top(ranked, topN ?? ranked.count)) { r, json in
            json.raw("{\"index\":")
            json.int(r.index)
            json.raw(",\"relevance_score\":")
            json.float(r.score)
            if let documents { json.raw(",\"document\":{\"text\":"); json.string(documents[r.index]); json.raw("}") }
            if r.chunks > 1 { json.raw(",\"chunks\":"); json.int(r.chunks) }
            json.raw("}")
        }
        json.raw(",\"usage\":{\"total_tokens\":")
        json.int(tokens)
        json.raw("}}")
    }
}

extension APIDocument {
    /// The reranker routes' operations.
    static let rerankOperations: [String: Operation] = [
        "POST /rerank": Operation(summary: "Documents scored against a query by the served cross-encoder (TEI's API), best first",
                                  bodies: [TEIRerankRequest.self], response: .array(.object([
                                      ("index", .integer()), ("score", .number()), ("text", .string()),
                                      ("chunks", .integer(description: "Windows a long document was scored in (its best counts)")),
                                  ], required: ["index", "score"]))),
        "POST /v1/rerank": Operation(summary: "Documents scored against a query (Jina's and Cohere's API), best first",
                                     bodies: [CohereRerankRequest.self], response: .ref("RerankResults")),
        "POST /v2/rerank": Operation(summary: "The same as /v1/rerank (Cohere's v2 client)",
                                     bodies: [CohereRerankRequest.self], response: .ref("RerankResults")),
    ]

    static let rerankResults: Schema = .object([
        ("id", .string()), ("model", .string()),
        ("results", .array(.object([
            ("index", .integer()), ("relevance_score", .number()),
            ("document", .object([("text", .string())], required: ["text"])),
            ("chunks", .integer(description: "Windows a long document was scored in (its best counts)")),
        ], required: ["index", "relevance_score"]))),
        ("usage", .object([("total_tokens", .integer())], required: ["total_tokens"])),
    ], required: ["model", "results", "usage"])
}
