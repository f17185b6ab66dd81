import EmbedKit
import Foundation
import Hummingbird

/// The route handlers: each reads its body (size and time limits), translates it into an
/// `EmbeddingRequest` (RequestTranslation.swift), hands it to the engine front, and writes a typed
/// response. Errors are thrown as they come (engine, front or HTTP) and get their status in one place,
/// `APIError(_:route:)`, from `ErrorAndMetricsMiddleware`.
struct Handlers: Sendable {
    let configuration: ServerConfiguration
    let phase: Locked<ServerPhase>
    let metrics: ServerMetrics
    let bodyReader: RequestBodyReader
    /// When the server started (Ollama's `modified_at` of the served model).
    let startedAt = Date()

    func ready() throws -> EngineFront {
        switch phase.current {
        case .ready(let engine): return engine
        case .loading: throw EngineError.notReady("the model is still loading; retry shortly")
        case .failed(let why): throw EngineError.notReady("the model failed to load: \(why)")
        case .stopping: throw EngineError.shuttingDown
        }
    }

    /// `POST /v1/embeddings` (OpenAI's API, with Jina's fields).
    func openAIEmbeddings(_ request: Request) async throws -> Response {
        try await embeddings(try await bodyReader.read(request), as: OpenAIEmbeddingRequest.self) { engine, response, results, style in
            OpenAIEmbeddingList(results: results, tokens: response.tokens, model: engine.modelName, style: style)
        }
    }

    /// `POST /embed` (TEI's API).
    func teiEmbed(_ request: Request) async throws -> Response { try await teiEmbed(try await bodyReader.read(request)) }

    private func teiEmbed(_ bytes: Data) async throws -> Response {
        try await embeddings(bytes, as: TEIEmbedRequest.self) { _, _, results, style in TEIEmbeddingList(results: results, style: style) }
    }

    /// `POST /` and `POST /invocations`: as TEI, by the body's shape for the kind of model loaded:
    /// `{"inputs": {"source_sentence", "sentences"}}` is `/similarity`, anything else `/embed`.
    func teiRoot(_ request: Request) async throws -> Response {
        let bytes = try await bodyReader.read(request)
        return SimilarityRequest.matches(bytes) ? try await similarity(bytes) : try await teiEmbed(bytes)
    }

    /// `POST /embed_all` (TEI's): each input's token vectors.
    func embedAll(_ request: Request) async throws -> Response {
        try await perInput(request, output: .tokenEmbeddings) { TokenVectorList(results: $0) }
    }

    /// `POST /embed_sparse` (TEI's): a SPLADE model's sparse vector of each input.
    func embedSparse(_ request: Request) async throws -> Response {
        try await perInput(request, output: .sparse) { SparseVectorList(results: $0) }
    }

    /// `POST /v1/multi-vector` (Jina's): a multi-vector model's ColBERT vectors of each input.
    func multiVector(_ request: Request) async throws -> Response {
        let engine = try ready()
        let bytes = try await bodyReader.read(request)
        let req = try RequestDecoding.decode(MultiVectorRequest.self, from: bytes).engineRequest(engine, autoTruncate: configuration.autoTruncate)
        let response = try await embed(req, engine: engine, body: bytes.count)
        let results = try response.all()
        return MultiVectorList(results: results, tokens: response.tokens, model: engine.modelName)
            .http(truncated: response.truncated, capacity: VectorStyle.capacity(results))
    }

    /// The routes whose body is `EmbedAllRequest`'s and whose answer is one value per input.
    private func perInput(_ request: Request, output: EmbeddingRequest.Output, _ body: ([EmbeddingResult]) -> some JSONBody) async throws -> Response {
        let engine = try ready()
        let bytes = try await bodyReader.read(request)
        let req = try RequestDecoding.decode(EmbedAllRequest.self, from: bytes)
            .engineRequest(engine, autoTruncate: configuration.autoTruncate, output: output)
        let response = try await embed(req, engine: engine, body: bytes.count)
        let results = try response.all()
        return body(results).http(truncated: response.truncated, capacity: VectorStyle.capacity(results))
    }

    /// `POST /similarity` (TEI's): the model's similarity of `source_sentence` to each sentence.
    func similarity(_ request: Request) async throws -> Response { try await similarity(try await bodyReader.read(request)) }

    private func similarity(_ bytes: Data) async throws -> Response {
        let engine = try ready()
        let req = try RequestDecoding.decode(SimilarityRequest.self, from: bytes).engineRequest(engine, autoTruncate: configuration.autoTruncate)
        let vectors = try await embed(req, engine: engine, body: bytes.count).all().map { $0.vectors[0] }
        let similarity = engine.textPreparation.similarityFunction
        return ValueList(values: .floats(vectors.dropFirst().map { similarity(vectors[0], $0) })).http()
    }

    /// `POST /decode` (TEI's): each id list as text.
    func decode(_ request: Request) async throws -> Response {
        let engine = try ready()
        let req = try RequestDecoding.decode(DecodeRequest.self, from: try await bodyReader.read(request))
        let lists = try req.ids.nonEmpty(field: "ids").map { item -> [Int] in
            guard case .tokenIDs(let ids) = item else { throw APIError.invalid("'ids' must be token ids, not text", param: "ids") }
            let size = engine.textPreparation.vocabularySize
            if let bad = ids.first(where: { $0 < 0 || $0 >= size }) { throw EmbedKitError.unknownToken(bad, vocabularySize: size) }
            return ids
        }
        if lists.count > engine.maxInputs { throw EmbedKitError.tooManyInputs(count: lists.count, limit: engine.maxInputs) }
        let tokenizer = engine.textPreparation.tokenizer
        let skip = req.skipSpecialTokens ?? true
        let texts = try await engine.tokenizers.run { lists.map { tokenizer.decode($0, skipSpecialTokens: skip) } }
        return ValueList(values: .strings(texts)).http()
    }

    /// `POST /rerank` (TEI's): every text scored against the query, best first.
    func teiRerank(_ request: Request) async throws -> Response {
        let engine = try ready()
        let bytes = try await bodyReader.read(request)
        let body = try RequestDecoding.decode(TEIRerankRequest.self, from: bytes)
        let response = try await engine.rerank(try body.engineRequest(), body: bytes.count)
        return TEIRankList(ranked: response.ranked, texts: body.returnText == true ? body.texts : nil)
            .http(truncated: response.truncated, capacity: 64 + response.ranked.count * 48)
    }

    /// `POST /v1/rerank` and `/v2/rerank` (Jina's and Cohere's): the best `top_n` documents, best first.
    func cohereRerank(_ request: Request) async throws -> Response {
        let engine = try ready()
        let bytes = try await bodyReader.read(request)
        let body = try RequestDecoding.decode(CohereRerankRequest.self, from: bytes)
        let rerank = try body.engineRequest()
        let response = try await engine.rerank(rerank, body: bytes.count)
        return CohereRankList(ranked: response.ranked, documents: body.returnDocuments ?? true ? rerank.documents : nil,
                              topN: body.topN, model: engine.modelName, tokens: response.tokens)
            .http(capacity: 128 + response.ranked.count * 64)
    }

    /// The embedding routes: translate, embed, and answer with `body`'s response type.
    private func embeddings<Body: EmbeddingRequestBody>(
        _ bytes: Data, as type: Body.Type,
        _ body: (EngineFront, EmbeddingResponse, [EmbeddingResult], VectorStyle) -> some JSONBody
    ) async throws -> Response {
        let engine = try ready()
        let (req, style) = try RequestDecoding.decode(type, from: bytes).engineRequest(engine, autoTruncate: configuration.autoTruncate)
        let response = try await embed(req, engine: engine, body: bytes.count)
        let results = try response.all()
        return body(engine, response, results, style).http(truncated: response.truncated, capacity: VectorStyle.capacity(results))
    }

    /// `POST /chunk`: each text's chunks (late or independent pooling) with offsets and vectors.
    func chunk(_ request: Request) async throws -> Response {
        let engine = try ready()
        let body = try await bodyReader.read(request)
        let req = try RequestDecoding.decode(ChunkRequest.self, from: body)
        let engineRequest = try req.engineRequest(engine)
        let response = try await embed(engineRequest, engine: engine, body: body.count,
                                       chunkTokens: max(1, req.chunkTokens - (req.overlap ?? 0)))
        let results = try response.all()
        return ChunkList(results: results).http(capacity: VectorStyle.capacity(results))
    }

    /// The engine's response to `request` within the memory admission (chunk-mean and chunking hold one
    /// vector per chunk of `chunkTokens`, token embeddings one per token).
    private func embed(_ request: EmbeddingRequest, engine: EngineFront, body: Int, chunkTokens: Int? = nil) async throws -> EmbeddingResponse {
        let chunks = chunkTokens ?? (request.options.overflow == .chunkMean ? engine.maxInputTokens : nil)
        return try await engine.reserving(body: body, inputs: request.inputs.count, chunkTokens: chunks,
                                          sizes: max(1, request.dimensions.count),
                                          perToken: request.output == .tokenEmbeddings || request.output == .multiVector) {
            try await engine.embed(request)
        }
    }

    /// `POST /tokenize` (TEI's): the tokens `/embed` would compute (prompt included), each with its text
    /// and Unicode-scalar offsets into the input as sent (null for special and prompt tokens).
    func teiTokenize(_ request: Request) async throws -> Response {
        let engine = try ready()
        let req = try RequestDecoding.decode(TEITokenizeRequest.self, from: try await bodyReader.read(request))
        let texts = try req.inputs.texts(field: "inputs", route: "/tokenize")
        if texts.count > engine.maxInputs { throw EmbedKitError.tooManyInputs(count: texts.count, limit: engine.maxInputs) }
        let preparation = engine.textPreparation
        let prompt = try preparation.prompt(named: req.promptName)
        let addSpecial = req.addSpecialTokens ?? true
        let encodings = try await engine.tokenizers.run { texts.map { preparation.encode($0, prompt: prompt, maxLength: nil) } }
        let inputs = zip(texts, encodings).map { input, t -> [TokenList.Token] in
            let scalars = Array(input.unicodeScalars)
            let e = t.encoding
            return e.ids.indices.compactMap { i in
                let special = i < e.specialTokensMask.count && e.specialTokensMask[i] == 1
                if special && !addSpecial { return nil }
                var text = i < e.tokens.count ? e.tokens[i] : ""
                if let r = t.offsets[i], !r.isEmpty, r.upperBound <= scalars.count {
                    text = String(String.UnicodeScalarView(scalars[r]))
                }
                return TokenList.Token(id: e.ids[i], text: text, special: special, offsets: t.offsets[i])
            }
        }
        return TokenList(inputs: inputs).http()
    }

    // MARK: Ollama

    /// `POST /api/embed`.
    func ollamaEmbed(_ request: Request) async throws -> Response {
        let engine = try ready()
        let start = ContinuousClock.now
        let bytes = try await bodyReader.read(request)
        guard let req = try RequestDecoding.decode(OllamaEmbedRequest.self, from: bytes).engineRequest(engine) else {
            return OllamaEmbedList(model: engine.modelName, vectors: [], tokens: 0, nanoseconds: 0).http()
        }
        let response = try await embed(req, engine: engine, body: bytes.count)
        let results = try response.all()
        let elapsed = ContinuousClock.now - start
        let nanoseconds = Int(elapsed.components.seconds) * 1_000_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000)
        return OllamaEmbedList(model: engine.modelName, vectors: results.map { $0.vectors[0] }, tokens: response.tokens,
                               nanoseconds: nanoseconds).http(truncated: response.truncated, capacity: VectorStyle.capacity(results))
    }

    /// `POST /api/embeddings` (legacy).
    func ollamaEmbeddings(_ request: Request) async throws -> Response {
        let engine = try ready()
        let bytes = try await bodyReader.read(request)
        guard let req = try RequestDecoding.decode(OllamaEmbeddingsRequest.self, from: bytes).engineRequest(engine) else {
            return OllamaEmbedding(vector: []).http()
        }
        let response = try await embed(req, engine: engine, body: bytes.count)
        return OllamaEmbedding(vector: try response.all()[0].vectors[0]).http(truncated: response.truncated)
    }

    /// `GET /api/tags`.
    func ollamaTags() throws -> Response { ObjectBody.ollamaTags(try ready(), since: startedAt).http() }

    /// `POST /api/show`.
    func ollamaShow(_ request: Request) async throws -> Response {
        let engine = try ready()
        _ = try RequestDecoding.decode(OllamaShowRequest.self, from: try await bodyReader.read(request))
        return ObjectBody.ollamaShow(engine).http()
    }

    /// `GET /api/version`.
    func ollamaVersion() -> Response { ObjectBody(fields: [("version", .string(Ollama.apiVersion))]).http() }

    // MARK: The API's documentation

    /// `GET /openapi.json`.
    func openAPI() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: Self.document)))
    }

    private static let document = APIDocument.document(version: EmbedKitVersion.current)

    /// `GET /docs`.
    func docsPage() -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: DocsPage.html)))
    }

    /// `GET /info`.
    func info() throws -> Response { ObjectBody.info(try ready(), configuration).http() }

    /// `GET /health` (and SageMaker's `GET /ping`): 200 once the model is ready.
    func health() throws -> Response {
        _ = try ready()
        return ObjectBody(fields: [("status", .string("ok"))]).http()
    }

    /// `GET /v1/models`: the one model served.
    func models() throws -> Response { ObjectBody.models(try ready().modelName).http() }

    /// `GET /metrics` (Prometheus text).
    func metricsText() -> Response {
        if case .ready(let engine) = phase.current { metrics.queueSize.set(Int64(engine.scheduler.queueSize)) }
        if let rss = ProcessMemory.resident { metrics.residentBytes.set(Int64(rss)) }
        if let peak = ProcessMemory.peak { metrics.peakResidentBytes.set(Int64(peak)) }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }
}
