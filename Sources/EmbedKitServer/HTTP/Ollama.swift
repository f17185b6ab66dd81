import EmbedKit
import Foundation

/// Ollama's embedding API (`POST /api/embed`, the legacy `POST /api/embeddings`) and the discovery routes
/// its clients call first (`GET /api/tags`, `GET /api/version`, `POST /api/show`), so Ollama clients (the
/// `ollama` package, LangChain's `OllamaEmbeddings`, Open WebUI, …) work with the base URL alone.
/// Whatever `model` a request names, the one served model answers and names itself in the response.
enum Ollama {
    /// The Ollama release whose embedding API these routes follow (`/api/version`; clients gate features on it).
    static let apiVersion = "0.12.0"
}

/// Any JSON value, accepted and not read (`keep_alive`: a model's residency, meaningless for one served model).
struct IgnoredValue: Decodable, Sendable {
    init(from decoder: Decoder) throws {}
}

/// Ollama's runtime `options`. Only `num_ctx` changes an embedding (inputs are cut, or refused, at that many
/// tokens); the others are sampling and scheduling settings of text generation, read by no embedding.
struct OllamaOptions: Decodable, Sendable {
    var numCtx: Int?
    enum CodingKeys: String, CodingKey { case numCtx = "num_ctx" }

    /// The token limit `num_ctx` sets: nil when it is absent or not below the model's own limit.
    func maxLength(_ engine: EngineFront) throws -> Int? {
        guard let n = numCtx else { return nil }
        guard n > 0 else { throw APIError.invalid("options.num_ctx must be positive, got \(n)", param: "options.num_ctx") }
        return n < engine.maxInputTokens ? n : nil
    }
}

/// `POST /api/embed`: `input` a string or a list of strings.
struct OllamaEmbedRequest: RequestBody, Sendable {
    var model: String?
    var input: RequestInputs?
    var truncate: Bool?
    var dimensions: Int?
    var options: OllamaOptions?
    var keepAlive: IgnoredValue?

    static let fields = keys(CodingKeys.self)
    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, input, truncate, dimensions, options
        case keepAlive = "keep_alive"
    }

    /// The engine's request, or nil for no input at all (`""` or `[]`: Ollama's way to load a model, answered
    /// with no embeddings). Vectors are L2-normalized, after `dimensions`, as Ollama's; `truncate` defaults to true.
    func engineRequest(_ engine: EngineFront) throws -> EmbeddingRequest? {
        let maxLength = try options?.maxLength(engine)
        if let dimensions, dimensions < 1 { throw APIError.invalid("dimensions must be positive, got \(dimensions)", param: "dimensions") }
        let items = input?.items ?? []
        if items.isEmpty { return nil }
        if items.count == 1, case .text("") = items[0] { return nil }
        var request = engine.limited(EmbeddingRequest(inputs: items))
        request.options.normalizeEmbeddings = true
        request.options.overflow = (truncate ?? true) ? .truncate : .error
        request.options.maxLength = maxLength
        if let dimensions { request.dimensions = [dimensions] }
        return request
    }
}

/// `POST /api/embeddings` (Ollama's legacy route): one `prompt`, its vector as the model gives it (not
/// normalized again), cut at the max length.
struct OllamaEmbeddingsRequest: RequestBody, Sendable {
    var model: String?
    var prompt: String?
    var options: OllamaOptions?
    var keepAlive: IgnoredValue?

    static let fields = keys(CodingKeys.self)
    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, prompt, options
        case keepAlive = "keep_alive"
    }

    /// nil for an empty prompt (answered with an empty embedding, as Ollama does).
    func engineRequest(_ engine: EngineFront) throws -> EmbeddingRequest? {
        let maxLength = try options?.maxLength(engine)
        guard let prompt, !prompt.isEmpty else { return nil }
        var request = engine.limited(EmbeddingRequest(texts: [prompt]))
        request.options.normalizeEmbeddings = false
        request.options.overflow = .truncate
        request.options.maxLength = maxLength
        return request
    }
}

/// `POST /api/show`: `model` (older clients: `name`).
struct OllamaShowRequest: RequestBody, Sendable {
    var model: String?
    var name: String?
    var verbose: Bool?
    static let fields = keys(CodingKeys.self)
    enum CodingKeys: String, CodingKey, CaseIterable { case model, name, verbose }
}

/// `/api/embed`'s response.
struct OllamaEmbedList: JSONBody {
    let model: String
    let vectors: [[Float]]
    let tokens: Int
    let nanoseconds: Int

    func write(into json: inout JSONWriter) {
        json.raw("{\"model\":")
        json.string(model)
        json.raw(",\"embeddings\":")
        json.array(vectors) { $1.floats($0) }
        json.raw(",\"total_duration\":")
        json.int(nanoseconds)
        json.raw(",\"load_duration\":0,\"prompt_eval_count\":")
        json.int(tokens)
        json.raw("}")
    }
}

/// `/api/embeddings`' response: `{"embedding": [...]}`.
struct OllamaEmbedding: JSONBody {
    let vector: [Float]

    func write(into json: inout JSONWriter) {
        json.raw("{\"embedding\":")
        json.floats(vector)
        json.raw("}")
    }
}

extension ObjectBody {
    /// Ollama's name of the model's family: the architecture without its class suffix ("BertModel" → "bert").
    private static func family(_ info: ModelInfo) -> String {
        var name = info.architecture
        if name.hasSuffix("Model") { name.removeLast("Model".count) }
        return name.lowercased()
    }

    /// Ollama's `details` of the served model.
    private static func ollamaDetails(_ info: ModelInfo) -> JSONWriter.Field {
        let family = family(info)
        return .object([("parent_model", .string("")), ("format", .string("safetensors")), ("family", .string(family)),
                        ("families", .array([.string(family)])), ("parameter_size", .string(parameterSize(info.parameters))),
                        ("quantization_level", .string(info.precision.uppercased()))])
    }

    /// "22.7M", "335M", "1.2B": Ollama's spelling of a parameter count.
    static func parameterSize(_ n: Int) -> String {
        let (value, unit) = n >= 1_000_000_000 ? (Double(n) / 1e9, "B") : (Double(n) / 1e6, "M")
        return (value < 100 ? String(format: "%.1f", value) : String(Int(value.rounded()))) + unit
    }

    /// `GET /api/tags`: the one served model.
    static func ollamaTags(_ engine: EngineFront, since: Date) -> ObjectBody {
        let i = engine.info
        return ObjectBody(fields: [("models", .array([.object([
            ("name", .string(engine.modelName)), ("model", .string(engine.modelName)),
            ("modified_at", .string(ISO8601DateFormatter().string(from: since))), ("size", .int(i.weightBytes)),
            ("digest", .string("")), ("details", ollamaDetails(i)),
        ])]))])
    }

    /// `POST /api/show`: details, the model_info keys clients read (architecture, embedding length, context
    /// length) and the capability `embedding`.
    static func ollamaShow(_ engine: EngineFront) -> ObjectBody {
        let i = engine.info
        let family = family(i)
        return ObjectBody(fields: [
            ("license", .string("")), ("modelfile", .string("")), ("parameters", .string("")), ("template", .string("")),
            ("details", ollamaDetails(i)),
            ("model_info", .object([("general.architecture", .string(family)), ("general.parameter_count", .int(i.parameters)),
                                    ("\(family).embedding_length", .int(i.dimension)),
                                    ("\(family).context_length", .int(engine.maxInputTokens))])),
            ("capabilities", .array([.string("embedding")])),
        ])
    }
}
