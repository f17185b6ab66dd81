import HTTPTypes
import Hummingbird

/// One route of the server: what the router registers, the metrics label, the error shape and the
/// field that holds a request's inputs all come from this one table.
struct Route: Sendable {
    let method: HTTPRequest.Method
    let path: String
    /// The request field with the inputs, named in errors about one of them (`inputs[3]`).
    var inputField = "inputs"
    /// Errors in OpenAI's `{"error": {...}}` shape; else TEI's `{"error", "error_type"}`.
    var openAIErrors = false
    /// Outside the concurrency limit (`/health`, `/metrics`).
    var operational = false
    let handler: @Sendable (Handlers, Request) async throws -> Response
}

enum Routes {
    static let all: [Route] = [
        Route(method: .post, path: "/v1/embeddings", inputField: "input", openAIErrors: true) { try await $0.openAIEmbeddings($1) },
        Route(method: .post, path: "/embeddings", inputField: "input", openAIErrors: true) { try await $0.openAIEmbeddings($1) },
        Route(method: .post, path: "/embed") { try await $0.teiEmbed($1) },
        // TEI's own client (huggingface_hub's InferenceClient, Haystack, LiteLLM) posts to `/`, SageMaker
        // to `/invocations`: TEI dispatches both by the kind of model loaded and the body's shape.
        Route(method: .post, path: "/") { try await $0.teiRoot($1) },
        Route(method: .post, path: "/invocations") { try await $0.teiRoot($1) },
        Route(method: .post, path: "/embed_all") { try await $0.embedAll($1) },
        Route(method: .post, path: "/embed_sparse") { try await $0.embedSparse($1) },
        Route(method: .post, path: "/v1/multi-vector", inputField: "input", openAIErrors: true) { try await $0.multiVector($1) },
        Route(method: .post, path: "/similarity", inputField: "inputs.sentences") { try await $0.similarity($1) },
        Route(method: .post, path: "/decode", inputField: "ids") { try await $0.decode($1) },
        Route(method: .get, path: "/ping", operational: true) { h, _ in try h.health() },
        // A cross-encoder's routes (Rerank.swift); an embedding model answers them with a 400, and a
        // reranker the embedding routes.
        Route(method: .post, path: "/rerank", inputField: "texts") { try await $0.teiRerank($1) },
        Route(method: .post, path: "/v1/rerank", inputField: "documents", openAIErrors: true) { try await $0.cohereRerank($1) },
        Route(method: .post, path: "/v2/rerank", inputField: "documents", openAIErrors: true) { try await $0.cohereRerank($1) },
        Route(method: .post, path: "/tokenize") { try await $0.teiTokenize($1) },
        Route(method: .post, path: "/chunk") { try await $0.chunk($1) },
        Route(method: .get, path: "/info") { h, _ in try h.info() },
        Route(method: .get, path: "/health", operational: true) { h, _ in try h.health() },
        Route(method: .get, path: "/metrics", operational: true) { h, _ in h.metricsText() },
        Route(method: .get, path: "/v1/models", openAIErrors: true) { h, _ in try h.models() },
        // Ollama's embedding API and the discovery routes its clients call first (Ollama.swift).
        Route(method: .post, path: "/api/embed", inputField: "input") { try await $0.ollamaEmbed($1) },
        Route(method: .post, path: "/api/embeddings", inputField: "prompt") { try await $0.ollamaEmbeddings($1) },
        Route(method: .get, path: "/api/tags") { h, _ in try h.ollamaTags() },
        Route(method: .post, path: "/api/show") { try await $0.ollamaShow($1) },
        Route(method: .get, path: "/api/version", operational: true) { h, _ in h.ollamaVersion() },
        // The OpenAPI document (APIDocument.swift) at its usual path and TEI's, and a page showing it.
        Route(method: .get, path: "/openapi.json", operational: true) { h, _ in h.openAPI() },
        Route(method: .get, path: "/api-doc/openapi.json", operational: true) { h, _ in h.openAPI() },
        Route(method: .get, path: "/docs", operational: true) { h, _ in h.docsPage() },
    ]

    private static let byPath: [String: [Route]] = Dictionary(grouping: all, by: \.path)

    /// The route of `path` (any method), nil for an unknown path.
    static func route(_ path: String) -> Route? { byPath[path]?.first }

    /// The methods a known path takes (for 405's `Allow`).
    static func methods(_ path: String) -> [HTTPRequest.Method] { byPath[path]?.map(\.method) ?? [] }

    /// The metrics label of a request path: the route, or "other".
    static func label(_ path: String) -> String { byPath[path] == nil ? "other" : path }
}
