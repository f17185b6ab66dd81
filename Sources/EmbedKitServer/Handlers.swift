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
    /// Also takes Jina's Embedding API fields (`embedding_type`, `normalized`, `truncate`,
    /// `late_chunking`), so clients written for that API work against this route.
    func openAIEmbeddings(_ request: Request) async throws -> Response {
        let model = try ready()
        let body = try await bodyReader.read(request)
        let req = try RequestDecoding.decode(OpenAIEmbeddingRequest.self, from: body)
        let format = try EmbeddingOutput.Format(request: req.encodingFormat ?? req.embeddingType ?? "float",
                                                param: req.encodingFormat != nil ? "encoding_format" : "embedding_type")
        if let a = req.encodingFormat, let b = req.embeddingType, a != b {
            throw APIError.invalid("encoding_format \"\(a)\" and embedding_type \"\(b)\" disagree; send one", param: "embedding_type")
        }
        let output = try EmbeddingOutput(dimensions: req.dimensions, normalize: req.normalized ?? true, format: format,
                                         ranges: req.quantizationRanges, info: model.backend.info)
        let overflow = try req.overflow.map(Overflow.init(request:))
            ?? ((req.truncate ?? configuration.autoTruncate) ? .truncate : .error)
        let reserved = try reserveMemory(model, body: body.count, inputs: req.input.items.count,
                                         chunkTokens: overflow == .chunkMean ? model.preparation.maxInputTokens : nil, sizes: output.sizes.count)
        defer { model.memory.release(reserved) }
        let out: (vectors: [[Float]], tokens: Int, truncated: [Int])
        if req.lateChunking == true {
            if req.overflow != nil { throw APIError.invalid("late_chunking takes no overflow policy", param: "overflow") }
            out = try await lateChunks(req.input, model: model)
        } else {
            out = try await embeddings(req.input, param: "input", promptName: nil, overflow: overflow, direction: .right, model: model)
        }
        let values = try output.values(out.vectors)

        var json = JSONWriter(capacity: 128 + out.vectors.count * (out.vectors.first?.count ?? 0) * 12 * output.sizes.count)
        json.raw("{\"object\":\"list\",\"data\":[")
        for (i, v) in values.enumerated() {
            if i > 0 { json.raw(",") }
            json.raw("{\"object\":\"embedding\",\"index\":")
            json.int(i)
            json.raw(output.keyed ? ",\"embeddings\":" : ",\"embedding\":")
            output.write(v, into: &json)
            if out.truncated.contains(i) { json.raw(",\"truncated\":true") }
            json.raw("}")
        }
        json.raw("],\"model\":")
        json.string(model.backend.info.modelID)
        json.raw(",\"usage\":{\"prompt_tokens\":")
        json.int(out.tokens)
        json.raw(",\"total_tokens\":")
        json.int(out.tokens)
        json.raw("}}")
        return jsonResponse(json, truncated: out.truncated)
    }

    // MARK: POST /embed

    func teiEmbed(_ request: Request) async throws -> Response {
        let model = try ready()
        let body = try await bodyReader.read(request)
        let req = try RequestDecoding.decode(TEIEmbedRequest.self, from: body)
        let format = try EmbeddingOutput.Format(request: req.encodingFormat ?? "float", param: "encoding_format")
        let output = try EmbeddingOutput(dimensions: req.dimensions, normalize: req.normalize ?? true, format: format,
                                         ranges: req.quantizationRanges, info: model.backend.info)
        let truncate = req.truncate ?? configuration.autoTruncate
        let direction = try Truncation(truncate: true, direction: req.truncationDirection)
        let overflow = try req.overflow.map(Overflow.init(request:)) ?? (truncate ? .truncate : .error)
        let reserved = try reserveMemory(model, body: body.count, inputs: req.inputs.items.count,
                                         chunkTokens: overflow == .chunkMean ? model.preparation.maxInputTokens : nil, sizes: output.sizes.count)
        defer { model.memory.release(reserved) }
        let out = try await embeddings(req.inputs, param: "inputs", promptName: req.promptName, overflow: overflow,
                                       direction: direction, model: model)
        let values = try output.values(out.vectors)
        var json = JSONWriter(capacity: 16 + out.vectors.count * (out.vectors.first?.count ?? 0) * 12 * output.sizes.count)
        json.raw("[")
        for (i, v) in values.enumerated() {
            if i > 0 { json.raw(",") }
            output.write(v, into: &json)
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

    /// `late_chunking: true`: the inputs are one document's consecutive chunks, run as one input (one
    /// forward pass, through the same queue), one vector per chunk.
    func lateChunks(_ inputs: RequestInputs, model: ReadyModel) async throws -> (vectors: [[Float]], tokens: Int, truncated: [Int]) {
        let preparation = model.preparation
        let chunked = try await model.tokenizers.run { try preparation.lateChunks(inputs, param: "input") }
        let vectors = try await model.scheduler.submit(chunked.inputs)
        return (vectors, chunked.tokenCount, [])
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
        json.raw(",\"precision\":")
        json.string(i.precision)
        json.raw(",\"model_type\":{\"embedding\":{\"pooling\":")
        json.string(i.pooling)
        json.raw("}},\"architecture\":")
        json.string(i.architecture)
        json.raw(",\"dimension\":")
        json.int(i.dimension)
        json.raw(",\"normalize\":")
        json.bool(i.normalize)
        json.raw(",\"max_concurrent_requests\":")
        json.int(configuration.admittedConcurrentRequests)
        json.raw(",\"max_input_length\":")
        json.int(model.preparation.maxInputTokens)
        json.raw(",\"max_batch_tokens\":")
        json.int(model.memory.budget.batchTokens)
        json.raw(",\"max_memory\":")
        json.int(model.memory.budget.limit)
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
        if let rss = ProcessMemory.resident { metrics.residentBytes.set(Int64(rss)) }
        if let peak = ProcessMemory.peak { metrics.peakResidentBytes.set(Int64(peak)) }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }

    // MARK: helpers

    /// Reserves an upper bound of the memory a request holds while handled (`MemoryBudget.requestBytes`):
    /// one vector per input, or, when inputs are cut into chunks of `chunkTokens`, one per chunk of the
    /// most tokens the body can hold; `sizes` Matryoshka outputs of each. Returns the bytes to release.
    func reserveMemory(_ model: ReadyModel, body: Int, inputs: Int, chunkTokens: Int? = nil, sizes: Int = 1) throws -> Int {
        let info = model.backend.info
        let prompt = info.prompts.values.map(\.utf8.count).max() ?? 0
        let chunks = chunkTokens.map { body / max(1, $0 / 2) } ?? 0
        let bytes = MemoryBudget.requestBytes(body: body, inputs: inputs, promptTokens: prompt, vectors: inputs + chunks,
                                              dimension: info.dimension * max(1, sizes))
        try model.memory.reserve(bytes)
        return bytes
    }

    /// The request's post-processing, its `dimensions` checked against the model.
    func postprocessing(dimensions: Int?, normalize: Bool, model: ReadyModel) throws -> Postprocessing {
        let post = Postprocessing(dimensions: dimensions, normalize: normalize)
        let info = model.backend.info
        do {
            try post.validate(modelDimension: info.dimension, matryoshkaDimensions: info.matryoshkaDimensions)
        } catch EmbedKitError.invalidOption(let why) {
            throw APIError.invalid(why, param: "dimensions")
        }
        return post
    }

    func checkFinite(_ vectors: [[Float]]) throws {
        if vectors.contains(where: { $0.contains(where: { !$0.isFinite }) }) {
            throw APIError(.internalServerError, .server, "the engine produced a non-finite value (NaN or infinity)")
        }
    }
}
