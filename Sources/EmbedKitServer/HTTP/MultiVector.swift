import EmbedKit
import Foundation

/// `POST /v1/multi-vector` (Jina's multi-vector API): a multi-vector model's (bge-m3's) ColBERT vectors of
/// each input, one per token after the first. Served when `--model` has ColBERT vectors; other models
/// answer it with a 400.
struct MultiVectorRequest: RequestBody, Sendable {
    var input: RequestInputs
    var model: String?
    /// "query" | "document": the model's prompt of that name when it has one; bge-m3 has none and
    /// encodes both alike.
    var inputType: String?
    /// Only "float".
    var embeddingType: String?
    var truncate: Bool?

    static let fields = keys(CodingKeys.self)
    enum CodingKeys: String, CodingKey, CaseIterable {
        case input, model, truncate
        case inputType = "input_type"
        case embeddingType = "embedding_type"
    }

    static let required = ["input"]
    static let properties: [(String, Schema)] = [
        ("input", .ref("Inputs")),
        ("model", .string(description: "Echoed back as the served model's name; not checked")),
        ("input_type", .string(description: "The model's prompt of this name, when it has one (bge-m3 has none)", values: ["query", "document"])),
        ("embedding_type", .string(description: "Only float", values: ["float"])),
        ("truncate", .boolean(description: "Cut inputs past the max length (default: the server's --auto-truncate)")),
    ]

    func engineRequest(_ engine: EngineFront, autoTruncate: Bool) throws -> EmbeddingRequest {
        if let t = embeddingType, t != "float" {
            throw APIError.invalid("embedding_type '\(t)': multi-vectors are returned as float vectors only", param: "embedding_type")
        }
        if let t = inputType, t != "query", t != "document" {
            throw APIError.invalid("input_type must be \"query\" or \"document\", got \"\(t)\"", param: "input_type")
        }
        var request = engine.limited(EmbeddingRequest(inputs: try input.nonEmpty(field: "input"), output: .multiVector))
        request.options.promptName = inputType.flatMap { engine.info.prompts[$0] == nil ? nil : $0 }
        request.options.overflow = try Overflow(request: nil, truncate: truncate, autoTruncate: autoTruncate)
        return request
    }
}

/// Jina's answer: `{"model", "object": "list", "data": [{"object": "embeddings", "index", "embeddings": [[...]]}], "usage"}`.
struct MultiVectorList: JSONBody {
    let results: [EmbeddingResult]
    let tokens: Int
    let model: String

    func write(into json: inout JSONWriter) {
        json.raw("{\"model\":")
        json.string(model)
        json.raw(",\"object\":\"list\",\"data\":[")
        for (i, r) in results.enumerated() {
            if i > 0 { json.raw(",") }
            json.raw("{\"object\":\"embeddings\",\"index\":")
            json.int(i)
            json.raw(",\"embeddings\":")
            json.array(r.vectors) { $1.floats($0) }
            if r.truncated { json.raw(",\"truncated\":true") }
            json.raw("}")
        }
        json.raw("],\"usage\":{\"total_tokens\":")
        json.int(tokens)
        json.raw(",\"prompt_tokens\":")
        json.int(tokens)
        json.raw("}}")
    }

    static let schema: Schema = .object([
        ("model", .string()), ("object", .string(values: ["list"])),
        ("data", .array(.object([("object", .string(values: ["embeddings"])), ("index", .integer()),
                                 ("embeddings", .array(.array(.number()))), ("truncated", .boolean())],
                                required: ["object", "index", "embeddings"]))),
        ("usage", .object([("total_tokens", .integer()), ("prompt_tokens", .integer())], required: ["total_tokens"])),
    ], required: ["model", "object", "data", "usage"])
}
