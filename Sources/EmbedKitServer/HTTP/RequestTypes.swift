import EmbedKit
import Foundation

/// Any key of a JSON object.
struct JSONKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    /// Refuses a nested object's keys other than `allowed` (a top-level body's are checked by `RequestDecoding`).
    static func refuseOthers(than allowed: Set<String>, in decoder: Decoder) throws {
        if let other = try decoder.container(keyedBy: JSONKey.self).allKeys.first(where: { !allowed.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [other],
                                                    debugDescription: "is not a field of this object, which takes \(allowed.sorted().joined(separator: ", "))"))
        }
    }
}

/// `input` / `inputs` of both APIs: a string, an array of strings, an array of token ids, an array
/// of arrays of token ids, or (Jina's API) an array of `{"text": ...}` objects.
struct RequestInputs: Decodable, Sendable {
    var items: [EmbeddingInput]

    /// `{"text": ...}`, and nothing else (an `image` or any other key would be ignored otherwise).
    private struct TextObject: Decodable {
        var text: String
        private enum Key: String, CodingKey { case text }

        init(from decoder: Decoder) throws {
            try JSONKey.refuseOthers(than: ["text"], in: decoder)
            text = try decoder.container(keyedBy: Key.self).decode(String.self, forKey: .text)
        }
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { items = [.text(s)]; return }
        if let a = try? c.decode([String].self) { items = a.map { .text($0) }; return }
        if let ids = try? c.decode([Int].self) { items = [.tokenIDs(ids)]; return }
        if let batch = try? c.decode([[Int]].self) { items = batch.map { .tokenIDs($0) }; return }
        if let objects = try? c.decode([TextObject].self) { items = objects.map { .text($0.text) }; return }
        throw DecodingError.dataCorruptedError(
            in: c, debugDescription: "must be a string, an array of strings, an array of token ids, an array of arrays of token ids, or an array of {\"text\": string} objects")
    }

    /// The items, refused when there are none (both APIs require at least one).
    func nonEmpty(field: String) throws -> [EmbeddingInput] {
        if items.isEmpty { throw APIError.invalid("'\(field)' must not be empty", param: field) }
        return items
    }

    /// The items as texts, for routes that take no token ids.
    func texts(field: String, route: String) throws -> [String] {
        try nonEmpty(field: field).map { item in
            guard case .text(let text) = item else { throw APIError.invalid("\(route) takes text inputs, not token ids", param: field) }
            return text
        }
    }
}

/// `dimensions`: one Matryoshka size, or (extension) several, each returned renormalized.
struct RequestDimensions: Decodable, Sendable {
    var sizes: [Int]
    /// Whether the request gave a list (the response then keys each vector by its size).
    var isList: Bool

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let k = try? c.decode(Int.self) { sizes = [k]; isList = false; return }
        if let list = try? c.decode([Int].self) { sizes = list; isList = true; return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be an integer or an array of integers")
    }
}

/// A request body whose every field is known. A field a route does not take is refused with a 400 that
/// names it, never ignored: an ignored field that changes the output's format or meaning (another API's
/// spelling of an option, an option EmbedKit lacks) would hand the client a silently different result.
protocol RequestBody: Decodable {
    /// Every field the route takes (its coding keys): those it reads, and those it accepts without effect.
    static var fields: Set<String> { get }
    /// Each field's schema, in the order the OpenAPI document lists them (RequestDocs.swift);
    /// `APIDocument.problems` checks them against `fields`.
    static var properties: [(String, Schema)] { get }
    /// The fields a body must have.
    static var required: [String] { get }
}

extension RequestBody {
    /// A body type's fields are its coding keys.
    static func keys<K: CodingKey & CaseIterable>(_: K.Type) -> Set<String> { Set(K.allCases.map(\.stringValue)) }
}

/// `POST /v1/embeddings` (OpenAI).
struct OpenAIEmbeddingRequest: RequestBody, Sendable {
    var input: RequestInputs
    var model: String?
    /// "float" | "base64" (OpenAI), and (extension) "int8" | "uint8" | "binary" | "ubinary".
    var encodingFormat: String?
    var dimensions: RequestDimensions?
    var user: String?
    /// Extension: "truncate" | "error" | "chunk-mean" (default: `truncate`, else the server's --auto-truncate).
    var overflow: String?
    /// Extension: int8/uint8 calibration, `[[min per dimension], [max per dimension]]`.
    var quantizationRanges: [[Float]]?
    /// Jina's Embedding API: the same values as `encoding_format`.
    var embeddingType: String?
    /// The same as `embedding_type`, as some Jina clients spell it (LlamaIndex's `JinaEmbedding`).
    var encodingType: String?
    /// Jina's Embedding API: L2-normalize (default true).
    var normalized: Bool?
    /// Jina's Embedding API: cut inputs longer than the max length (true) or refuse them (false).
    var truncate: Bool?
    /// Jina's Embedding API: `input` holds consecutive chunks of one document, pooled late.
    var lateChunking: Bool?
    /// Jina's Embedding API: the task's prompt (a prompt name of the model's
    /// config_sentence_transformers.json; refused when the model has no such prompt).
    var task: String?

    static let fields = keys(CodingKeys.self)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case input, model, dimensions, user, overflow, normalized, truncate, task
        case encodingFormat = "encoding_format"
        case quantizationRanges = "quantization_ranges"
        case embeddingType = "embedding_type"
        case encodingType = "encoding_type"
        case lateChunking = "late_chunking"
    }
}

/// `POST /embed` (TEI).
struct TEIEmbedRequest: RequestBody, Sendable {
    var inputs: RequestInputs
    var normalize: Bool?
    var truncate: Bool?
    var truncationDirection: String?
    var promptName: String?
    var dimensions: RequestDimensions?
    /// Extension: "truncate" | "error" | "chunk-mean"; wins over `truncate`.
    var overflow: String?
    /// Extension: "float" | "base64" | "int8" | "uint8" | "binary" | "ubinary".
    var encodingFormat: String?
    /// Extension: int8/uint8 calibration, `[[min per dimension], [max per dimension]]`.
    var quantizationRanges: [[Float]]?

    static let fields = keys(CodingKeys.self)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inputs, normalize, truncate, dimensions, overflow
        case truncationDirection = "truncation_direction"
        case promptName = "prompt_name"
        case encodingFormat = "encoding_format"
        case quantizationRanges = "quantization_ranges"
    }
}

/// `POST /embed_all` (TEI): every token's vector.
struct EmbedAllRequest: RequestBody, Sendable {
    var inputs: RequestInputs
    var truncate: Bool?
    var truncationDirection: String?
    var promptName: String?

    static let fields = keys(CodingKeys.self)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inputs, truncate
        case truncationDirection = "truncation_direction"
        case promptName = "prompt_name"
    }
}

/// `POST /tokenize` (TEI).
struct TEITokenizeRequest: RequestBody, Sendable {
    var inputs: RequestInputs
    var addSpecialTokens: Bool?
    var promptName: String?

    static let fields = keys(CodingKeys.self)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inputs
        case addSpecialTokens = "add_special_tokens"
        case promptName = "prompt_name"
    }
}

/// `POST /similarity` (TEI), also reached by `POST /` with this body (huggingface_hub's
/// `sentence_similarity`): `source_sentence` against each of `sentences`.
struct SimilarityRequest: RequestBody, Sendable {
    struct Inputs: Decodable, Sendable {
        var sourceSentence: String
        var sentences: [String]
        enum CodingKeys: String, CodingKey, CaseIterable {
            case sentences
            case sourceSentence = "source_sentence"
        }

        init(from decoder: Decoder) throws {
            try JSONKey.refuseOthers(than: Set(CodingKeys.allCases.map(\.stringValue)), in: decoder)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            sourceSentence = try c.decode(String.self, forKey: .sourceSentence)
            sentences = try c.decode([String].self, forKey: .sentences)
        }
    }
    struct Parameters: Decodable, Sendable {
        var truncate: Bool?
        var truncationDirection: String?
        var promptName: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case truncate
            case truncationDirection = "truncation_direction"
            case promptName = "prompt_name"
        }

        init(from decoder: Decoder) throws {
            try JSONKey.refuseOthers(than: Set(CodingKeys.allCases.map(\.stringValue)), in: decoder)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            truncate = try c.decodeIfPresent(Bool.self, forKey: .truncate)
            truncationDirection = try c.decodeIfPresent(String.self, forKey: .truncationDirection)
            promptName = try c.decodeIfPresent(String.self, forKey: .promptName)
        }
    }
    var inputs: Inputs
    var parameters: Parameters?

    static let fields = keys(CodingKeys.self)
    enum CodingKeys: String, CodingKey, CaseIterable { case inputs, parameters }

    /// Whether a `POST /` body is a similarity request (its `inputs` an object), not an embedding one.
    static func matches(_ body: Data) -> Bool {
        struct Probe: Decodable {
            struct Shape: Decodable { var source_sentence: String? }
            var inputs: Shape?
        }
        return (try? JSONDecoder().decode(Probe.self, from: body))?.inputs?.source_sentence != nil
    }
}

/// `POST /decode` (TEI): token ids back to text.
struct DecodeRequest: RequestBody, Sendable {
    var ids: RequestInputs
    var skipSpecialTokens: Bool?

    static let fields = keys(CodingKeys.self)
    enum CodingKeys: String, CodingKey, CaseIterable {
        case ids
        case skipSpecialTokens = "skip_special_tokens"
    }
}

enum RequestDecoding {
    /// Decodes a JSON body; every failure, and every field the type does not take, becomes a 400 that
    /// names the field at fault.
    static func decode<T: RequestBody>(_ type: T.Type, from data: Data) throws -> T {
        if data.isEmpty { throw APIError.invalid("the request body is empty; send a JSON object") }
        if String(validating: data, as: UTF8.self) == nil {
            throw APIError.invalid("the request body is not valid UTF-8 (JSON text must be UTF-8 encoded)")
        }
        if let first = data.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }), first != UInt8(ascii: "{") {
            throw APIError.invalid("the request body must be a JSON object, like {\"input\": \"some text\"}")
        }
        do {
            return try JSONDecoder().decode(Checked<T>.self, from: data).value
        } catch let error as APIError {
            throw error
        } catch let error as DecodingError {
            throw APIError.invalid(describe(error), param: field(of: error))
        } catch {
            throw APIError.invalid("the request body is not valid JSON: \(error)")
        }
    }

    /// `T` decoded after its body's top-level fields were checked against `T.fields` (one parse).
    private struct Checked<T: RequestBody>: Decodable {
        let value: T


        init(from decoder: Decoder) throws {
            let names = try decoder.container(keyedBy: JSONKey.self).allKeys.map(\.stringValue)
            if let unknown = names.filter({ !T.fields.contains($0) }).sorted().first {
                throw APIError.invalid("unknown field '\(unknown)': this route does not take it, and an ignored field could " +
                                       "change the answer unseen; it takes \(T.fields.sorted().joined(separator: ", "))",
                                       param: unknown)
            }
            value = try T(from: decoder)
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
struct ChunkRequest: RequestBody, Sendable {
    var inputs: RequestInputs
    var chunkTokens: Int
    var overlap: Int?
    var boundaries: String?
    var pooling: String?
    var windowOverlap: Int?
    var normalize: Bool?
    var dimensions: Int?
    var promptName: String?

    static let fields = keys(CodingKeys.self)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inputs, overlap, boundaries, pooling, normalize, dimensions
        case chunkTokens = "chunk_tokens"
        case windowOverlap = "window_overlap"
        case promptName = "prompt_name"
    }
}
