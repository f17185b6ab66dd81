import EmbedKit
import Hummingbird

extension Handlers {
    /// The longest text `/chunk` takes with late pooling, in tokens: windows bound the memory of the
    /// forward pass, this bounds the token ids and the request's time.
    static func maxChunkDocumentTokens(_ maxInputTokens: Int) -> Int { max(8 * maxInputTokens, 65_536) }

    /// `POST /chunk`: each text's chunks (late or independent pooling) with offsets and vectors, the same
    /// objects `embedkit chunk` prints, through the one queue and engine core as `/embed`.
    func chunk(_ request: Request) async throws -> Response {
        let model = try ready()
        let body = try await bodyReader.read(request)
        let req = try RequestDecoding.decode(ChunkRequest.self, from: body)
        try model.preparation.checkCount(req.inputs, param: "inputs")
        let reserved = try reserveMemory(model, body: body.count, inputs: req.inputs.items.count,
                                         chunkTokens: max(1, (req.chunkTokens ?? model.preparation.maxInputTokens) - (req.overlap ?? 0)))
        defer { model.memory.release(reserved) }
        let texts = try req.inputs.items.enumerated().map { i, item -> String in
            guard case .text(let text) = item else { throw APIError.invalid("/chunk takes text inputs, not token ids", param: "inputs") }
            if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
                throw APIError.invalid("'inputs[\(i)]' has no text to chunk", param: "inputs")
            }
            return text
        }
        let boundaries: ChunkBoundaries
        switch req.boundaries ?? "tokens" {
        case "tokens": boundaries = .tokens
        case "sentences": boundaries = .sentences
        default: throw APIError.invalid("boundaries must be \"tokens\" or \"sentences\", got \"\(req.boundaries!)\"", param: "boundaries")
        }
        guard let pooling = ChunkPooling(rawValue: req.pooling ?? "late") else {
            throw APIError.invalid("pooling must be \"late\" or \"independent\", got \"\(req.pooling!)\"", param: "pooling")
        }
        let options = ChunkingOptions(chunkTokens: req.chunkTokens, overlap: req.overlap ?? 0, boundaries: boundaries,
                                      pooling: pooling, windowOverlap: req.windowOverlap)
        let post = try postprocessing(dimensions: req.dimensions, normalize: req.normalize ?? true, model: model)
        let prompt = try model.preparation.prompt(named: req.promptName)
        let text = model.preparation.text
        let limit = model.preparation.maxInputTokens
        let chunked: [ChunkedText]
        do {
            chunked = try await model.tokenizers.run {
                try texts.map { try text.chunk($0, prompt: prompt, options: options, maxLength: limit) }
            }
        } catch EmbedKitError.invalidOption(let why) {
            throw APIError.invalid(why)
        } catch EmbedKitError.unknownToken(let id, let n) {
            throw APIError.invalid("the text has token id \(id), outside the model's vocabulary (0..<\(n))", param: "inputs")
        }
        let cap = Self.maxChunkDocumentTokens(limit)
        if let (i, c) = chunked.enumerated().first(where: { $0.1.tokenCount > cap }) {
            throw APIError.tooLarge("'inputs[\(i)]' has \(c.tokenCount) tokens; /chunk takes at most \(cap) per text", param: "inputs")
        }
        let vectors = try await model.scheduler.submit(chunked.flatMap(\.inputs)).map(post.apply)
        try checkFinite(vectors)
        var json = JSONWriter(capacity: 16 + vectors.count * (vectors.first?.count ?? 0) * 12)
        json.raw("[")
        var k = 0
        for (n, c) in chunked.enumerated() {
            if n > 0 { json.raw(",") }
            json.raw("{\"chunks\":[")
            for (j, chunk) in c.chunks(vectors[k ..< k + c.vectorCount]).enumerated() {
                if j > 0 { json.raw(",") }
                json.raw("{\"start\":"); json.int(chunk.start)
                json.raw(",\"end\":"); json.int(chunk.end)
                json.raw(",\"token_start\":"); json.int(chunk.tokenStart)
                json.raw(",\"token_end\":"); json.int(chunk.tokenEnd)
                if chunk.truncated { json.raw(",\"truncated\":true") }
                json.raw(",\"embedding\":"); json.floats(chunk.embedding)
                json.raw("}")
            }
            k += c.vectorCount
            json.raw("]}")
        }
        json.raw("]")
        return jsonResponse(json)
    }
}
