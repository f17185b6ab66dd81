import Foundation
import EmbedKit
import Hummingbird

/// The route handlers. Every handler reads the body itself (size and time limits), validates, and
/// answers JSON; errors are thrown as `APIError` and rendered by `ErrorAndMetricsMiddleware`.
struct Handlers: Sendable {
    let configuration: ServerConfiguration
    let phase: Locked<ServerPhase>
    let metrics: ServerMetrics
    let bodyReader: RequestBodyReader

    func ready() throws -> ReadyModel {
        switch phase.current {
        case .ready(let model): return model
        case .loading: throw APIError(.serviceUnavailable, .unavailable, "the model is still loading; retry shortly")
        case .failed(let why): throw APIError(.serviceUnavailable, .unavailable, "the model failed to load: \(why)")
        case .stopping: throw APIError(.serviceUnavailable, .unavailable, "the server is shutting down")
        }
    }

    // MARK: POST /v1/embeddings

    /// HTTP → prepare (tokenization workers) → queue → forward (batch worker) → post-process → response.
    func openAIEmbeddings(_ request: Request) async throws -> Response {
        let model = try ready()
        let req = try RequestDecoding.decode(OpenAIEmbeddingRequest.self, from: try await bodyReader.read(request))
        let base64: Bool
        switch req.encodingFormat ?? "float" {
        case "float": base64 = false
        case "base64": base64 = true
        default:
            throw APIError.invalid("encoding_format must be \"float\" or \"base64\", got \"\(req.encodingFormat!)\"",
                                   param: "encoding_format")
        }
        let post = try postprocessing(dimensions: req.dimensions, normalize: true, model: model)
        let overflow = try req.overflow.map(Overflow.init(request:)) ?? (configuration.autoTruncate ? .truncate : .error)
        let out = try await embeddings(req.input, param: "input", promptName: nil, overflow: overflow, direction: .right, model: model)
        let vectors = out.vectors.map(post.apply)
        try checkFinite(vectors)
        let tokens = out.tokens

        var json = JSONWriter(capacity: 128 + vectors.count * (vectors.first?.count ?? 0) * 12)
        json.raw("{\"object\":\"list\",\"data\":[")
        for (i, v) in vectors.enumerated() {
            if i > 0 { json.raw(",") }
            json.raw("{\"object\":\"embedding\",\"index\":")
            json.int(i)
            json.raw(",\"embedding\":")
            if base64 { json.string(Self.base64(v)) } else { json.floats(v) }
            if out.truncated.contains(i) { json.raw(",\"truncated\":true") }
            json.raw("}")
        }
        json.raw("],\"model\":")
        json.string(model.backend.info.modelID)
        json.raw(",\"usage\":{\"prompt_tokens\":")
        json.int(tokens)
        json.raw(",\"total_tokens\":")
        json.int(tokens)
        json.raw("}}")
        return jsonResponse(json, truncated: out.truncated)
    }

    // MARK: POST /embed

    func teiEmbed(_ request: Request) async throws -> Response {
        let model = try ready()
        let req = try RequestDecoding.decode(TEIEmbedRequest.self, from: try await bodyReader.read(request))
        let post = try postprocessing(dimensions: req.dimensions, normalize: req.normalize ?? true, model: model)
        let truncate = req.truncate ?? configuration.autoTruncate
        let direction = try Truncation(truncate: true, direction: req.truncationDirection)
        let overflow = try req.overflow.map(Overflow.init(request:)) ?? (truncate ? .truncate : .error)
        let out = try await embeddings(req.inputs, param: "inputs", promptName: req.promptName, overflow: overflow,
                                       direction: direction, model: model)
        let vectors = out.vectors.map(post.apply)
        try checkFinite(vectors)
        var json = JSONWriter(capacity: 16 + vectors.count * (vectors.first?.count ?? 0) * 12)
        json.raw("[")
        for (i, v) in vectors.enumerated() {
            if i > 0 { json.raw(",") }
            json.floats(v)
        }
        json.raw("]")
        return jsonResponse(json, truncated: out.truncated)
    }

    /// The one path of `/v1/embeddings` and `/embed`: prepare (tokenization workers) under the overflow
    /// policy → queue → forward; model vectors (not post-processed), tokens, and the inputs truncated.
    func embeddings(_ inputs: RequestInputs, param: String, promptName: String?, overflow: Overflow, direction: Truncation,
                    model: ReadyModel) async throws -> (vectors: [[Float]], tokens: Int, truncated: [Int]) {
        let preparation = model.preparation
        if overflow == .chunkMean {
            let chunked = try await model.tokenizers.run { try preparation.prepareChunks(inputs, param: param, promptName: promptName) }
            let vectors = try await model.scheduler.submit(chunked.flatMap(\.inputs))
            var k = 0
            let means = chunked.map { c in
                defer { k += c.vectorCount }
                return c.vectorCount == 1 ? vectors[k] : c.mean(vectors[k ..< k + c.vectorCount], normalize: model.backend.info.normalize)
            }
            return (means, chunked.reduce(0) { $0 + $1.inputs.reduce(0) { $0 + $1.ids.count } }, [])
        }
        let truncation: Truncation = overflow == .error ? .none : direction
        let prepared = try await model.tokenizers.run {
            try preparation.prepare(inputs, param: param, promptName: promptName, truncation: truncation)
        }
        let vectors = try await model.scheduler.submit(prepared)
        return (vectors, prepared.reduce(0) { $0 + $1.ids.count }, prepared.indices.filter { prepared[$0].truncated })
    }

    // MARK: POST /tokenize

    /// TEI's `/tokenize`: the tokens `/embed` would compute (prompt included), each with its text and
    /// Unicode-scalar offsets into the input as sent (null for special and prompt tokens).
    func teiTokenize(_ request: Request) async throws -> Response {
        let model = try ready()
        let req = try RequestDecoding.decode(TEITokenizeRequest.self, from: try await bodyReader.read(request))
        try model.preparation.checkCount(req.inputs, param: "inputs")
        let prompt = try model.preparation.prompt(named: req.promptName)
        let texts = try req.inputs.items.map { item -> String in
            guard case .text(let text) = item else {
                throw APIError.invalid("/tokenize takes text inputs, not token ids", param: "inputs")
            }
            return text
        }
        let addSpecial = req.addSpecialTokens ?? true
        let text = model.preparation.text
        let encodings = try await model.tokenizers.run { texts.map { text.encode($0, prompt: prompt, maxLength: nil) } }
        var json = JSONWriter()
        json.raw("[")
        for (n, (input, t)) in zip(texts, encodings).enumerated() {
            let scalars = Array(input.unicodeScalars)
            let e = t.encoding
            if n > 0 { json.raw(",") }
            json.raw("[")
            var first = true
            for i in e.ids.indices {
                let special = i < e.specialTokensMask.count && e.specialTokensMask[i] == 1
                if special && !addSpecial { continue }
                if !first { json.raw(",") }
                first = false
                json.raw("{\"id\":")
                json.int(e.ids[i])
                json.raw(",\"text\":")
                if let r = t.offsets[i], !r.isEmpty, r.upperBound <= scalars.count {
                    var s = String.UnicodeScalarView()
                    s.append(contentsOf: scalars[r])
                    json.string(String(s))
                } else {
                    json.string(i < e.tokens.count ? e.tokens[i] : "")
                }
                json.raw(",\"special\":")
                json.bool(special)
                if let r = t.offsets[i] {
                    json.raw(",\"start\":")
                    json.int(r.lowerBound)
                    json.raw(",\"stop\":")
                    json.int(r.upperBound)
                    json.raw("}")
                } else {
                    json.raw(",\"start\":null,\"stop\":null}")
                }
            }
            json.raw("]")
        }
        json.raw("]")
        return jsonResponse(json)
    }

    // MARK: GET /info, /health, /metrics, /v1/models

    func info() throws -> Response {
        let model = try ready()
        let i = model.backend.info
        var json = JSONWriter()
        json.raw("{\"model_id\":")
        json.string(i.modelID)
        json.raw(",\"model_sha\":null,\"model_dtype\":")
        json.string(i.dtype)
        json.raw(",\"model_type\":{\"embedding\":{\"pooling\":")
        json.string(i.pooling)
        json.raw("}},\"architecture\":")
        json.string(i.architecture)
        json.raw(",\"dimension\":")
        json.int(i.dimension)
        json.raw(",\"normalize\":")
        json.bool(i.normalize)
        json.raw(",\"max_concurrent_requests\":")
        json.int(configuration.maxConcurrentRequests)
        json.raw(",\"max_input_length\":")
        json.int(model.preparation.maxInputTokens)
        json.raw(",\"max_batch_tokens\":")
        json.int(configuration.maxBatchTokens)
        json.raw(",\"max_batch_requests\":")
        if let n = configuration.maxBatchRequests { json.int(n) } else { json.raw("null") }
        json.raw(",\"max_client_batch_size\":")
        json.int(configuration.maxClientBatchSize)
        json.raw(",\"max_request_bytes\":")
        json.int(configuration.maxRequestBytes)
        json.raw(",\"auto_truncate\":")
        json.bool(configuration.autoTruncate)
        json.raw(",\"prompts\":{")
        for (n, key) in i.prompts.keys.sorted().enumerated() {
            if n > 0 { json.raw(",") }
            json.string(key)
            json.raw(":")
            json.string(i.prompts[key]!)
        }
        json.raw("},\"default_prompt_name\":")
        if let d = i.defaultPromptName { json.string(d) } else { json.raw("null") }
        json.raw(",\"version\":")
        json.string(EmbedKitVersion.current)
        json.raw("}")
        return jsonResponse(json)
    }

    func health() throws -> Response {
        _ = try ready()
        var json = JSONWriter()
        json.raw("{\"status\":\"ok\"}")
        return jsonResponse(json)
    }

    func models() throws -> Response {
        let model = try ready()
        var json = JSONWriter()
        json.raw("{\"object\":\"list\",\"data\":[{\"id\":")
        json.string(model.backend.info.modelID)
        json.raw(",\"object\":\"model\",\"created\":0,\"owned_by\":\"embedkit\"}]}")
        return jsonResponse(json)
    }

    func metricsText() -> Response {
        if case .ready(let model) = phase.current { metrics.queueSize.set(Int64(model.scheduler.queueSize)) }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }

    // MARK: helpers

    /// The request's post-processing, its `dimensions` checked against the model.
    func postprocessing(dimensions: Int?, normalize: Bool, model: ReadyModel) throws -> Postprocessing {
        let post = Postprocessing(dimensions: dimensions, normalize: normalize)
        let full = model.backend.info.dimension
        do {
            try post.validate(modelDimension: full)
        } catch {
            throw APIError.invalid("dimensions must be between 1 and \(full) for this model, got \(dimensions ?? 0)",
                                   param: "dimensions")
        }
        return post
    }

    func checkFinite(_ vectors: [[Float]]) throws {
        if vectors.contains(where: { $0.contains(where: { !$0.isFinite }) }) {
            throw APIError(.internalServerError, .server, "the engine produced a non-finite value (NaN or infinity)")
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
}
