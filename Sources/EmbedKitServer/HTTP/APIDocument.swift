import EmbedKit
import HTTPTypes

/// The server's OpenAPI 3.1 document (`GET /openapi.json`, TEI's `/api-doc/openapi.json`), built from the
/// route table and the request types: each route's operation names its request body type, whose
/// `properties` document the fields its decoder takes. `APIDocument.problems` lists any route without an
/// operation and any field documented but not decoded or decoded but not documented; a test requires
/// it empty, and CI runs schemathesis against the live server to hold the responses to their schemas.
public enum APIDocument {
    /// One route's documentation.
    struct Operation {
        let summary: String
        /// The JSON body's type (nil: no body), or several for a route that dispatches by the body's shape.
        var bodies: [any RequestBody.Type] = []
        let response: Schema
        var contentType = "application/json"
    }

    /// The operations by "METHOD path".
    static let operations: [String: Operation] = [
        "POST /v1/embeddings": Operation(summary: "Embeddings (OpenAI's API, with Jina's fields)", bodies: [OpenAIEmbeddingRequest.self],
                                         response: .ref("OpenAIEmbeddingList")),
        "POST /embeddings": Operation(summary: "Embeddings (OpenAI's API; same as /v1/embeddings)", bodies: [OpenAIEmbeddingRequest.self],
                                      response: .ref("OpenAIEmbeddingList")),
        "POST /embed": Operation(summary: "Embeddings (TEI's API)", bodies: [TEIEmbedRequest.self], response: .ref("TEIEmbeddingList")),
        "POST /": Operation(summary: "TEI's root route: /similarity for a source_sentence body, else /embed",
                            bodies: [TEIEmbedRequest.self, SimilarityRequest.self],
                            response: .anyOf([.ref("TEIEmbeddingList"), .ref("SimilarityList")])),
        "POST /invocations": Operation(summary: "SageMaker's route: the same as POST /", bodies: [TEIEmbedRequest.self, SimilarityRequest.self],
                                       response: .anyOf([.ref("TEIEmbeddingList"), .ref("SimilarityList")])),
        "POST /similarity": Operation(summary: "The model's similarity of source_sentence to each sentence (TEI's API)",
                                      bodies: [SimilarityRequest.self], response: .ref("SimilarityList")),
        "POST /decode": Operation(summary: "Token ids back to text (TEI's API)", bodies: [DecodeRequest.self],
                                  response: .array(.string())),
        "POST /embed_sparse": Operation(summary: "A SPLADE model's sparse vector of each input (TEI's API)", bodies: [EmbedAllRequest.self],
                                        response: SparseVectorList.schema),
        "POST /v1/multi-vector": Operation(summary: "A multi-vector model's (bge-m3's) ColBERT vectors of each input (Jina's API)",
                                           bodies: [MultiVectorRequest.self], response: MultiVectorList.schema),
        "POST /embed_all": Operation(summary: "Every token's vector, before pooling (TEI's API)", bodies: [EmbedAllRequest.self],
                                     response: .array(.array(.array(.number())))),
        "POST /tokenize": Operation(summary: "The tokens /embed computes (TEI's API)", bodies: [TEITokenizeRequest.self],
                                    response: .array(.array(.object([
                                        ("id", .integer()), ("text", .string()), ("special", .boolean()),
                                        ("start", .nullable(.integer())), ("stop", .nullable(.integer())),
                                    ], required: ["id", "text", "special", "start", "stop"])))),
        "POST /chunk": Operation(summary: "Long texts split with the model's tokenizer, one vector per chunk", bodies: [ChunkRequest.self],
                                 response: .array(.object([("chunks", .array(.object([
                                     ("start", .integer()), ("end", .integer()), ("token_start", .integer()), ("token_end", .integer()),
                                     ("truncated", .boolean()), ("embedding", .array(.number())),
                                 ], required: ["start", "end", "token_start", "token_end", "embedding"])))], required: ["chunks"]))),
        "GET /info": Operation(summary: "The served model and the server's limits (TEI's fields and EmbedKit's)",
                               response: .object([("model_id", .string()), ("max_input_length", .integer()),
                                                  ("max_client_batch_size", .integer()), ("dimension", .integer())],
                                                 required: ["model_id", "max_input_length", "max_client_batch_size"], closed: false)),
        "GET /health": Operation(summary: "200 once the model is ready", response: .ref("Status")),
        "GET /ping": Operation(summary: "SageMaker's health check: the same as /health", response: .ref("Status")),
        "GET /metrics": Operation(summary: "Prometheus metrics", response: .string(), contentType: "text/plain"),
        "GET /v1/models": Operation(summary: "The served model (OpenAI's API)", response: .object([
            ("object", .string(values: ["list"])),
            ("data", .array(.object([("id", .string()), ("object", .string()), ("created", .integer()), ("owned_by", .string())],
                                    required: ["id", "object"]))),
        ], required: ["object", "data"])),
        "POST /api/embed": Operation(summary: "Embeddings (Ollama's API)", bodies: [OllamaEmbedRequest.self], response: .object([
            ("model", .string()), ("embeddings", .array(.array(.number()))), ("total_duration", .integer()),
            ("load_duration", .integer()), ("prompt_eval_count", .integer()),
        ], required: ["model", "embeddings"])),
        "POST /api/embeddings": Operation(summary: "One embedding (Ollama's legacy API)", bodies: [OllamaEmbeddingsRequest.self],
                                          response: .object([("embedding", .array(.number()))], required: ["embedding"])),
        "GET /api/tags": Operation(summary: "The served model (Ollama's API)", response: .object([
            ("models", .array(.object([("name", .string()), ("model", .string()), ("size", .integer())],
                                      required: ["name", "model"], closed: false))),
        ], required: ["models"])),
        "POST /api/show": Operation(summary: "The served model's details (Ollama's API)", bodies: [OllamaShowRequest.self],
                                    response: .object([("details", .any()), ("model_info", .any()), ("capabilities", .array(.string()))],
                                                      required: ["details", "model_info", "capabilities"], closed: false)),
        "GET /api/version": Operation(summary: "The Ollama API version these routes follow",
                                      response: .object([("version", .string())], required: ["version"])),
        "GET /openapi.json": Operation(summary: "This document", response: .any()),
        "GET /api-doc/openapi.json": Operation(summary: "This document (TEI's path)", response: .any()),
        "GET /docs": Operation(summary: "A page that shows this document (works offline)", response: .string(), contentType: "text/html"),
    ].merging(rerankOperations) { a, _ in a }

    /// Shared schemas.
    static let components: [(String, Schema)] = [
        ("Inputs", .anyOf([.string(), .array(.string()), .array(.integer()), .array(.array(.integer())),
                           .array(.object([("text", .string())], required: ["text"]))],
                          description: "A text, texts, token ids (the model's own, special tokens included), lists of them, or {\"text\"} objects")),
        ("Dimensions", .anyOf([.integer(minimum: 1), .array(.integer(minimum: 1))],
                              description: "Keep the first k values (Matryoshka); a list returns one vector per size")),
        ("Vector", .anyOf([.array(.number()), .string(description: "base64 of little-endian float32"),
                           .map(.anyOf([.array(.number()), .string()]), description: "per size, when dimensions was a list")])),
        ("OpenAIEmbeddingList", .object([
            ("object", .string(values: ["list"])),
            ("data", .array(.object([("object", .string(values: ["embedding"])), ("index", .integer()), ("embedding", .ref("Vector")),
                                     ("embeddings", .ref("Vector")), ("truncated", .boolean())], required: ["object", "index"]))),
            ("model", .string()),
            ("usage", .object([("prompt_tokens", .integer()), ("total_tokens", .integer())], required: ["prompt_tokens", "total_tokens"])),
        ], required: ["object", "data", "model", "usage"])),
        ("TEIEmbeddingList", .array(.ref("Vector"))),
        ("SimilarityList", .array(.number())),
        ("Status", .object([("status", .string())], required: ["status"])),
        ("RerankResults", rerankResults),
        ("Error", .anyOf([
            .object([("error", .string()), ("error_type", .string()), ("detail", .string())], required: ["error", "detail"]),
            .object([("error", .object([("message", .string()), ("type", .string()), ("param", .nullable(.string())), ("code", .string())],
                                       required: ["message", "type"])), ("detail", .string())], required: ["error", "detail"]),
        ], description: "TEI's shape ({error, error_type}) or, on the OpenAI routes, OpenAI's ({error: {message, type, param, code}}); both with detail")),
    ]

    /// The document, as JSON.
    static func document(version: String) -> String {
        var json = JSONWriter(capacity: 32_768)
        json.object([
            ("openapi", .string("3.1.0")),
            ("info", .object([("title", .string("EmbedKit")), ("version", .string(version)),
                              ("description", .string("Embeddings and reranking scores exactly as sentence-transformers computes them, behind OpenAI's, TEI's, Jina's, Cohere's and Ollama's APIs."))])),
            ("paths", .object(paths())),
            ("components", .object([("schemas", .object(components.map { ($0.0, $0.1.json) }))])),
        ])
        return String(buffer: json.buffer)
    }

    private static func paths() -> [(String, JSONWriter.Field)] {
        var order: [String] = []
        for r in Routes.all where !order.contains(r.path) { order.append(r.path) }
        return order.map { path in
            (path, .object(Routes.all.filter { $0.path == path }.compactMap { route in
                operations["\(route.method.rawValue) \(path)"].map { (route.method.rawValue.lowercased(), operation($0)) }
            }))
        }
    }

    private static func operation(_ op: Operation) -> JSONWriter.Field {
        var fields: [(String, JSONWriter.Field)] = [("summary", .string(op.summary))]
        if !op.bodies.isEmpty {
            let schemas = op.bodies.map { Schema.object($0.properties, required: $0.required).optionalFieldsNullable }
            fields.append(("requestBody", .object([("required", .bool(true)), ("content", .object([
                ("application/json", .object([("schema", (schemas.count == 1 ? schemas[0] : .anyOf(schemas)).json)])),
            ]))])))
        }
        fields.append(("responses", .object([
            ("200", .object([("description", .string("OK")),
                             ("content", .object([(op.contentType, .object([("schema", op.response.json)]))]))])),
            ("default", .object([("description", .string("An error: 4xx for the request, 5xx for the server")),
                                 ("content", .object([("application/json", .object([("schema", Schema.ref("Error").json)]))]))])),
        ])))
        return .object(fields)
    }

    /// Where the document and the code disagree: routes without an operation, operations without a route,
    /// and fields a body type decodes but does not document or documents but does not decode. Empty when
    /// they agree.
    public static func problems() -> [String] {
        var found: [String] = []
        let routes = Set(Routes.all.map { "\($0.method.rawValue) \($0.path)" })
        for r in routes.subtracting(operations.keys).sorted() { found.append("route \(r) has no operation in the document") }
        for o in Set(operations.keys).subtracting(routes).sorted() { found.append("operation \(o) has no route") }
        for (key, op) in operations.sorted(by: { $0.key < $1.key }) {
            for body in op.bodies {
                let documented = Set(body.properties.map(\.0))
                for f in body.fields.subtracting(documented).sorted() { found.append("\(key): field '\(f)' is decoded but not documented") }
                for f in documented.subtracting(body.fields).sorted() { found.append("\(key): field '\(f)' is documented but not decoded") }
                for f in body.required where !documented.contains(f) { found.append("\(key): required field '\(f)' is not documented") }
            }
        }
        return found
    }
}

