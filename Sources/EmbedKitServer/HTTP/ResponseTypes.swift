import EmbedKit
import Foundation
import HTTPTypes
import Hummingbird

/// A response body the server writes; `http` makes the response, with `X-Truncated-Inputs: 0,3` naming
/// the inputs cut at the max length (a header, so each body keeps the schema its API defines).
protocol JSONBody {
    func write(into json: inout JSONWriter)
}

extension JSONBody {
    func http(truncated: [Int] = [], capacity: Int = 256) -> Response {
        var json = JSONWriter(capacity: capacity)
        write(into: &json)
        var headers: HTTPFields = [.contentType: "application/json"]
        if !truncated.isEmpty, let name = HTTPField.Name("X-Truncated-Inputs") {
            headers[name] = truncated.map(String.init).joined(separator: ",")
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: json.buffer))
    }
}

extension VectorStyle {
    /// One input's value: its vector (floats, base64 or integers), or `{"256": ..., "1792": ...}` when
    /// the request listed sizes.
    func write(_ result: EmbeddingResult, into json: inout JSONWriter) {
        guard let sizes = keyedSizes else { return write(result, size: 0, into: &json) }
        json.raw("{")
        for (n, k) in sizes.enumerated() {
            if n > 0 { json.raw(",") }
            json.string(String(k))
            json.raw(":")
            write(result, size: n, into: &json)
        }
        json.raw("}")
    }

    private func write(_ result: EmbeddingResult, size n: Int, into json: inout JSONWriter) {
        if let integers = result.integers {
            json.raw(JSONText.integers(integers[n]))
        } else if base64 {
            json.string(Self.base64(result.vectors[n]))
        } else {
            json.floats(result.vectors[n])
        }
    }

    /// Little-endian float32 bytes, base64-encoded: OpenAI's `encoding_format: "base64"`.
    static func base64(_ v: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(v.count * 4)
        for x in v {
            withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }

    /// A capacity that holds most responses of `results` without regrowing.
    static func capacity(_ results: [EmbeddingResult]) -> Int {
        64 + results.reduce(0) { $0 + $1.vectors.reduce(0) { $0 + $1.count * 12 } + $1.chunks.reduce(0) { $0 + $1.embedding.count * 12 + 80 } }
    }
}

/// `POST /v1/embeddings`: `{"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model", "usage"}`.
struct OpenAIEmbeddingList: JSONBody {
    let results: [EmbeddingResult]
    let tokens: Int
    let model: String
    let style: VectorStyle

    func write(into json: inout JSONWriter) {
        json.raw("{\"object\":\"list\",\"data\":[")
        for (i, r) in results.enumerated() {
            if i > 0 { json.raw(",") }
            json.raw("{\"object\":\"embedding\",\"index\":")
            json.int(i)
            json.raw(style.keyedSizes == nil ? ",\"embedding\":" : ",\"embeddings\":")
            style.write(r, into: &json)
            if r.truncated { json.raw(",\"truncated\":true") }
            json.raw("}")
        }
        json.raw("],\"model\":")
        json.string(model)
        json.raw(",\"usage\":{\"prompt_tokens\":")
        json.int(tokens)
        json.raw(",\"total_tokens\":")
        json.int(tokens)
        json.raw("}}")
    }
}

/// `POST /embed`: one value per input.
struct TEIEmbeddingList: JSONBody {
    let results: [EmbeddingResult]
    let style: VectorStyle

    func write(into json: inout JSONWriter) { json.array(results) { r, json in style.write(r, into: &json) } }
}

/// `POST /embed_all`: per input, one vector per token.
struct TokenVectorList: JSONBody {
    let results: [EmbeddingResult]

    func write(into json: inout JSONWriter) { json.array(results) { r, json in json.array(r.vectors) { $1.floats($0) } } }
}

/// `POST /chunk`: per input `{"chunks": [{"start", "end", "token_start", "token_end", "truncated"?, "embedding"}]}`,
/// the objects `embedkit chunk` prints.
struct ChunkList: JSONBody {
    let results: [EmbeddingResult]

    func write(into json: inout JSONWriter) { json.array(results) { r, json in json.raw(JSONText.chunks(r.chunks)) } }
}

/// `POST /tokenize`: per input, its tokens `{"id", "text", "special", "start", "stop"}`.
struct TokenList: JSONBody {
    struct Token {
        let id: Int
        let text: String
        let special: Bool
        let offsets: Range<Int>?
    }
    let inputs: [[Token]]

    func write(into json: inout JSONWriter) {
        json.array(inputs) { tokens, json in
            json.array(tokens) { t, json in
                json.raw("{\"id\":")
                json.int(t.id)
                json.raw(",\"text\":")
                json.string(t.text)
                json.raw(",\"special\":")
                json.bool(t.special)
                if let r = t.offsets {
                    json.raw(",\"start\":")
                    json.int(r.lowerBound)
                    json.raw(",\"stop\":")
                    json.int(r.upperBound)
                    json.raw("}")
                } else {
                    json.raw(",\"start\":null,\"stop\":null}")
                }
            }
        }
    }
}

/// `POST /similarity`: one number per sentence; `POST /decode`: one string per id list.
struct ValueList: JSONBody {
    enum Values { case floats([Float]), strings([String]) }
    let values: Values

    func write(into json: inout JSONWriter) {
        switch values {
        case .floats(let v): json.floats(v)
        case .strings(let v): json.field(.array(v.map { .string($0) }))
        }
    }
}

/// A small object, its fields in order (`/info`, `/health`, `/v1/models`).
struct ObjectBody: JSONBody {
    let fields: [(String, JSONWriter.Field)]

    func write(into json: inout JSONWriter) { json.object(fields) }

    /// `GET /info`: TEI's fields and EmbedKit's.
    static func info(_ engine: EngineFront, _ configuration: ServerConfiguration) -> ObjectBody {
        let i = engine.info
        return ObjectBody(fields: [
            ("model_id", .string(engine.modelName)), ("model_sha", .string(nil)), ("model_dtype", .string(i.dtype)),
            ("precision", .string(i.precision)), ("model_type", modelType(i)),
            ("architecture", .string(i.architecture)), ("dimension", .int(i.dimension)), ("normalize", .bool(i.normalize)),
            ("max_concurrent_requests", .int(configuration.admittedConcurrentRequests)),
            ("max_input_length", .int(engine.maxInputTokens)), ("max_batch_tokens", .int(engine.memory.budget.batchTokens)),
            ("max_memory", .int(engine.memory.budget.limit)), ("max_batch_requests", .int(configuration.maxBatchRequests)),
            ("max_client_batch_size", .int(configuration.maxClientBatchSize)), ("max_request_bytes", .int(configuration.maxRequestBytes)),
            ("auto_truncate", .bool(configuration.autoTruncate)),
            ("prompts", .object(i.prompts.keys.sorted().map { ($0, .string(i.prompts[$0])) })),
            ("default_prompt_name", .string(i.defaultPromptName)), ("version", .string(EmbedKitVersion.current)),
        ])
    }

    /// TEI's `model_type`: `{"embedding": {"pooling"}}`, or a reranker's `{"reranker": {"id2label", "label2id"}}`.
    private static func modelType(_ i: ModelInfo) -> JSONWriter.Field {
        switch i.kind {
        case .embedding, .sparse: return .object([("embedding", .object([("pooling", .string(i.pooling))]))])
        case .reranker:
            return .object([("reranker", .object([("id2label", .object([("0", .string("LABEL_0"))])),
                                                  ("label2id", .object([("LABEL_0", .int(0))]))]))])
        }
    }

    /// `GET /v1/models`: the one model served.
    static func models(_ id: String) -> ObjectBody {
        ObjectBody(fields: [("object", .string("list")), ("data", .array([
            .object([("id", .string(id)), ("object", .string("model")), ("created", .int(0)), ("owned_by", .string("embedkit"))]),
        ]))])
    }
}
