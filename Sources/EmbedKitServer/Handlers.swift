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

    static let version = "0.1.0"

    func ready() throws -> ReadyModel {
        switch phase.current {
        case .ready(let model): return model
        case .loading: throw APIError(.serviceUnavailable, .unavailable, "the model is still loading; retry shortly")
        case .failed(let why): throw APIError(.serviceUnavailable, .unavailable, "the model failed to load: \(why)")
        case .stopping: throw APIError(.serviceUnavailable, .unavailable, "the server is shutting down")
        }
    }

    // MARK: POST /v1/embeddings

    func openAIEmbeddings(_ request: Request) async throws -> Response {
        let model = try ready()
        let body = try await bodyReader.read(request)
        let req = try RequestDecoding.decode(OpenAIEmbeddingRequest.self, from: body)
        let base64: Bool
        switch req.encodingFormat ?? "float" {
        case "float": base64 = false
        case "base64": base64 = true
        default:
            throw APIError.invalid("encoding_format must be \"float\" or \"base64\", got \"\(req.encodingFormat!)\"",
                                   param: "encoding_format")
        }
        let dims = try checkDimensions(req.dimensions, model: model)
        let inputs = try model.preparation.prepare(req.input, param: "input", promptName: nil,
                                                   truncate: configuration.autoTruncate, direction: .right)
        let vectors = try await model.scheduler.submit(inputs).map {
            EmbeddingPostprocessing.apply($0, dimensions: dims, normalize: true)
        }
        try EmbeddingPostprocessing.checkFinite(vectors)
        let tokens = inputs.reduce(0) { $0 + $1.ids.count }

        var json = JSONWriter(capacity: 128 + vectors.count * (vectors.first?.count ?? 0) * 12)
        json.raw("{\"object\":\"list\",\"data\":[")
        for (i, v) in vectors.enumerated() {
            if i > 0 { json.raw(",") }
            json.raw("{\"object\":\"embedding\",\"index\":")
            json.int(i)
            json.raw(",\"embedding\":")
            if base64 { json.string(EmbeddingPostprocessing.base64(v)) } else { json.floats(v) }
            json.raw("}")
        }
        json.raw("],\"model\":")
        json.string(model.backend.info.modelID)
        json.raw(",\"usage\":{\"prompt_tokens\":")
        json.int(tokens)
        json.raw(",\"total_tokens\":")
        json.int(tokens)
        json.raw("}}")
        return jsonResponse(json)
    }

    // MARK: POST /embed

    func teiEmbed(_ request: Request) async throws -> Response {
        let model = try ready()
        let body = try await bodyReader.read(request)
        let req = try RequestDecoding.decode(TEIEmbedRequest.self, from: body)
        let dims = try checkDimensions(req.dimensions, model: model)
        let direction = try TruncationDirection(parsing: req.truncationDirection)
        let inputs = try model.preparation.prepare(
            req.inputs, param: "inputs", promptName: req.promptName,
            truncate: req.truncate ?? configuration.autoTruncate, direction: direction)
        let normalize = req.normalize ?? true
        let vectors = try await model.scheduler.submit(inputs).map {
            EmbeddingPostprocessing.apply($0, dimensions: dims, normalize: normalize)
        }
        try EmbeddingPostprocessing.checkFinite(vectors)
        var json = JSONWriter(capacity: 16 + vectors.count * (vectors.first?.count ?? 0) * 12)
        json.raw("[")
        for (i, v) in vectors.enumerated() {
            if i > 0 { json.raw(",") }
            json.floats(v)
        }
        json.raw("]")
        return jsonResponse(json)
    }

    // MARK: POST /tokenize

    func teiTokenize(_ request: Request) async throws -> Response {
        let model = try ready()
        let body = try await bodyReader.read(request)
        let req = try RequestDecoding.decode(TEITokenizeRequest.self, from: body)
        try model.preparation.checkCount(req.inputs, param: "inputs")
        try model.preparation.checkPrompt(req.promptName)
        let promptName = req.promptName ?? model.backend.info.defaultPromptName
        let prompt = promptName.flatMap { model.backend.info.prompts[$0] } ?? ""
        let addSpecial = req.addSpecialTokens ?? true
        var json = JSONWriter()
        json.raw("[")
        for (n, item) in req.inputs.items.enumerated() {
            guard case .text(let text) = item else {
                throw APIError.invalid("/tokenize takes text inputs, not token ids", param: "inputs")
            }
            let full = prompt + text
            let scalars = Array(full.unicodeScalars)
            let e = model.backend.tokenize(text, promptName: req.promptName, maxLength: nil)
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
                let range = i < e.offsets.count ? e.offsets[i] : 0..<0
                if special || range.isEmpty || range.upperBound > scalars.count {
                    json.string(i < e.tokens.count ? e.tokens[i] : "")
                } else {
                    var s = String.UnicodeScalarView()
                    s.append(contentsOf: scalars[range])
                    json.string(String(s))
                }
                json.raw(",\"special\":")
                json.bool(special)
                if special {
                    json.raw(",\"start\":null,\"stop\":null}")
                } else {
                    json.raw(",\"start\":")
                    json.int(range.lowerBound)
                    json.raw(",\"stop\":")
                    json.int(range.upperBound)
                    json.raw("}")
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
        json.raw(",\"max_batch_requests\":null,\"max_client_batch_size\":")
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
        json.string(Self.version)
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

    private func checkDimensions(_ d: Int?, model: ReadyModel) throws -> Int? {
        guard let d else { return nil }
        let full = model.backend.info.dimension
        guard d >= 1 && d <= full else {
            throw APIError.invalid("dimensions must be between 1 and \(full) for this model, got \(d)", param: "dimensions")
        }
        return d
    }
}
