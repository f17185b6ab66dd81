import Foundation

/// One request input: a text, or already-tokenized ids (special tokens included).
enum RequestInput: Sendable {
    case text(String)
    case tokenIDs([Int])
}

/// `input` / `inputs` of both APIs: a string, an array of strings, an array of token ids, or an array
/// of arrays of token ids.
struct RequestInputs: Decodable, Sendable {
    var items: [RequestInput]

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { items = [.text(s)]; return }
        if let a = try? c.decode([String].self) { items = a.map { .text($0) }; return }
        if let ids = try? c.decode([Int].self) { items = [.tokenIDs(ids)]; return }
        if let batch = try? c.decode([[Int]].self) { items = batch.map { .tokenIDs($0) }; return }
        throw DecodingError.dataCorruptedError(
            in: c, debugDescription: "must be a string, an array of strings, an array of token ids, or an array of arrays of token ids")
    }
}

/// `POST /v1/embeddings` (OpenAI).
struct OpenAIEmbeddingRequest: Decodable, Sendable {
    var input: RequestInputs
    var model: String?
    var encodingFormat: String?
    var dimensions: Int?
    var user: String?
    /// Extension: "truncate" | "error" | "chunk-mean" (default: the server's --auto-truncate).
    var overflow: String?

    enum CodingKeys: String, CodingKey {
        case input, model, dimensions, user, overflow
        case encodingFormat = "encoding_format"
    }
}

/// `POST /embed` (TEI).
struct TEIEmbedRequest: Decodable, Sendable {
    var inputs: RequestInputs
    var normalize: Bool?
    var truncate: Bool?
    var truncationDirection: String?
    var promptName: String?
    var dimensions: Int?
    /// Extension: "truncate" | "error" | "chunk-mean"; wins over `truncate`.
    var overflow: String?

    enum CodingKeys: String, CodingKey {
        case inputs, normalize, truncate, dimensions, overflow
        case truncationDirection = "truncation_direction"
        case promptName = "prompt_name"
    }
}

/// `POST /tokenize` (TEI).
struct TEITokenizeRequest: Decodable, Sendable {
    var inputs: RequestInputs
    var addSpecialTokens: Bool?
    var promptName: String?

    enum CodingKeys: String, CodingKey {
        case inputs
        case addSpecialTokens = "add_special_tokens"
        case promptName = "prompt_name"
    }
}

enum RequestDecoding {
    /// Decodes a JSON body; every failure becomes a 400 that names the field at fault.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        if data.isEmpty { throw APIError.invalid("the request body is empty; send a JSON object") }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError.invalid(describe(error), param: field(of: error))
        } catch {
            throw APIError.invalid("the request body is not valid JSON: \(error)")
        }
    }

    private static func path(_ p: [CodingKey]) -> String {
        p.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    private static func field(of error: DecodingError) -> String? {
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            return c.codingPath.isEmpty ? nil : path(c.codingPath)
        case .keyNotFound(let k, let c):
            return path(c.codingPath + [k])
        @unknown default:
            return nil
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let k, let c):
            return "missing required field '\(path(c.codingPath + [k]))'"
        case .typeMismatch(let t, let c):
            return "field '\(path(c.codingPath))' has the wrong type (expected \(t))"
        case .valueNotFound(let t, let c):
            return "field '\(path(c.codingPath))' is null (expected \(t))"
        case .dataCorrupted(let c):
            if c.codingPath.isEmpty {
                return "the request body is not valid JSON (or not UTF-8): \(c.debugDescription)"
            }
            return "field '\(path(c.codingPath))' \(c.debugDescription)"
        @unknown default:
            return "invalid request body"
        }
    }
}

/// `POST /chunk` (EmbedKit): long texts split with the model's tokenizer, one vector per chunk.
struct ChunkRequest: Decodable, Sendable {
    var inputs: RequestInputs
    var chunkTokens: Int
    var overlap: Int?
    var boundaries: String?
    var pooling: String?
    var windowOverlap: Int?
    var normalize: Bool?
    var dimensions: Int?
    var promptName: String?

    enum CodingKeys: String, CodingKey {
        case inputs, overlap, boundaries, pooling, normalize, dimensions
        case chunkTokens = "chunk_tokens"
        case windowOverlap = "window_overlap"
        case promptName = "prompt_name"
    }
}
