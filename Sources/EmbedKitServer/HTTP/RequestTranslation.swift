import EmbedKit

/// JSON requests translated into the engine's `EmbeddingRequest`: field names, defaults and the
/// APIs' spellings of options are decided here and nowhere else in the server.

/// How a route writes a response's vectors: `base64` (OpenAI's little-endian float32) or as numbers,
/// and, when the request listed several sizes, keyed by size.
struct VectorStyle: Sendable {
    var base64 = false
    var keyedSizes: [Int]? = nil
}

extension Overflow {
    /// A request's policy: its `overflow`, else its `truncate` (true: cut; false: refuse), else the
    /// server's `--auto-truncate`.
    init(request s: String?, truncate: Bool?, autoTruncate: Bool) throws {
        guard let s else {
            self = (truncate ?? autoTruncate) ? .truncate : .error
            return
        }
        try self.init(request: s)
    }

    /// A request's `overflow` ("truncate", "error", "chunk-mean"; "chunk" is `POST /chunk`).
    init(request s: String) throws {
        guard let o = Overflow(rawValue: s), o != .chunk else {
            throw APIError.invalid(s == "chunk"
                ? "overflow \"chunk\" returns several vectors per input: POST /chunk"
                : "overflow must be \"truncate\", \"error\" or \"chunk-mean\", got \"\(s)\"", param: "overflow")
        }
        self = o
    }
}

extension Truncation {
    /// TEI's `truncation_direction` ("Right" or "Left", any case).
    init(direction s: String?) throws {
        switch s?.lowercased() {
        case nil, "right": self = .right
        case "left": self = .left
        default: throw APIError.invalid("truncation_direction must be \"Right\" or \"Left\", got \"\(s!)\"",
                                        param: "truncation_direction")
        }
    }
}

enum OutputFormat {
    /// "float", "base64", "int8", "uint8", "binary" or "ubinary": the precision and whether floats go as base64.
    static func parse(_ s: String, param: String) throws -> (EmbeddingPrecision, base64: Bool) {
        if s == "base64" { return (.float32, true) }
        guard let p = EmbeddingPrecision(rawValue: s) else {
            throw APIError.invalid("\(param) must be \"float\", \"base64\", \"int8\", \"uint8\", \"binary\" or \"ubinary\", got \"\(s)\"",
                                   param: param)
        }
        return (p, false)
    }
}

extension EmbeddingRequest {
    /// The fields both embedding APIs share: sizes, output format and calibration.
    mutating func apply(dimensions: RequestDimensions?, format: String, formatParam: String, ranges: [[Float]]?,
                        style: inout VectorStyle) throws {
        if let dimensions {
            if dimensions.isList && dimensions.sizes.isEmpty {
                throw APIError.invalid("dimensions must not be an empty list", param: "dimensions")
            }
            self.dimensions = dimensions.sizes
            if dimensions.isList { style.keyedSizes = dimensions.sizes }
        }
        (precision, style.base64) = try OutputFormat.parse(format, param: formatParam)
        if let ranges {
            guard ranges.count == 2 else {
                throw APIError.invalid("quantization_ranges must be [[minimum per dimension], [maximum per dimension]]",
                                       param: "quantization_ranges")
            }
            quantizationRanges = QuantizationRanges(minimum: ranges[0], maximum: ranges[1])
        }
    }
}

/// A request body of an embedding route, translated into the engine's request and the way its
/// vectors are written back.
protocol EmbeddingRequestBody: RequestBody {
    func engineRequest(_ engine: EngineFront, autoTruncate: Bool) throws -> (EmbeddingRequest, VectorStyle)
}

extension OpenAIEmbeddingRequest: EmbeddingRequestBody {
    /// OpenAI's fields and Jina's (`embedding_type`, `normalized`, `truncate`, `late_chunking`, `task`).
    func engineRequest(_ engine: EngineFront, autoTruncate: Bool) throws -> (EmbeddingRequest, VectorStyle) {
        // One output format, however the client names it: OpenAI's encoding_format, Jina's embedding_type
        // or encoding_type. Names that disagree are refused, never silently resolved.
        let named = [("encoding_format", encodingFormat), ("embedding_type", embeddingType), ("encoding_type", encodingType)]
            .compactMap { name, value in value.map { (name, $0) } }
        if let first = named.first, let other = named.first(where: { $0.1 != first.1 }) {
            throw APIError.invalid("\(first.0) \"\(first.1)\" and \(other.0) \"\(other.1)\" disagree; send one", param: other.0)
        }
        var request = engine.limited(EmbeddingRequest(inputs: try input.nonEmpty(field: "input")))
        request.options.normalizeEmbeddings = normalized ?? true
        if let task {
            let prompts = engine.textPreparation.prompts.keys.sorted()
            guard prompts.contains(task) else {
                throw APIError.invalid("task \"\(task)\" is not a prompt of this model, which has " +
                    (prompts.isEmpty ? "no prompts: leave task out" : "the prompts \(prompts.joined(separator: ", "))"), param: "task")
            }
            request.options.promptName = task
        }
        if lateChunking == true {
            if overflow != nil { throw APIError.invalid("late_chunking takes no overflow policy", param: "overflow") }
            request.output = .lateChunks(separator: " ")
            request.maxDocumentTokens = engine.maxInputTokens
        } else {
            request.options.overflow = try Overflow(request: overflow, truncate: truncate, autoTruncate: autoTruncate)
        }
        var style = VectorStyle()
        try request.apply(dimensions: dimensions, format: named.first?.1 ?? "float", formatParam: named.first?.0 ?? "encoding_format",
                          ranges: quantizationRanges, style: &style)
        return (request, style)
    }
}

extension TEIEmbedRequest: EmbeddingRequestBody {
    func engineRequest(_ engine: EngineFront, autoTruncate: Bool) throws -> (EmbeddingRequest, VectorStyle) {
        var request = engine.limited(EmbeddingRequest(inputs: try inputs.nonEmpty(field: "inputs")))
        request.options.normalizeEmbeddings = normalize ?? true
        request.options.promptName = promptName
        request.truncationSide = try Truncation(direction: truncationDirection)
        request.options.overflow = try Overflow(request: overflow, truncate: truncate, autoTruncate: autoTruncate)
        var style = VectorStyle()
        try request.apply(dimensions: dimensions, format: encodingFormat ?? "float", formatParam: "encoding_format",
                          ranges: quantizationRanges, style: &style)
        return (request, style)
    }
}

extension EmbedAllRequest {
    /// Each input's token vectors as the model computed them (no pooling, no normalization), as TEI's
    /// `/embed_all`, or (`output: .sparse`, `/embed_sparse`, the same body) its sparse vector; cut or
    /// refused past the max length as `/embed`.
    func engineRequest(_ engine: EngineFront, autoTruncate: Bool, output: EmbeddingRequest.Output = .tokenEmbeddings) throws -> EmbeddingRequest {
        var request = engine.limited(EmbeddingRequest(inputs: try inputs.nonEmpty(field: "inputs"), output: output))
        request.options.promptName = promptName
        request.truncationSide = try Truncation(direction: truncationDirection)
        request.options.overflow = try Overflow(request: nil, truncate: truncate, autoTruncate: autoTruncate)
        return request
    }
}

extension ChunkRequest {
    /// The longest text `/chunk` takes with late pooling, in tokens: windows bound the memory of the
    /// forward pass, this bounds the token ids and the request's time.
    static func maxDocumentTokens(_ maxInputTokens: Int) -> Int { max(8 * maxInputTokens, 65_536) }

    func engineRequest(_ engine: EngineFront) throws -> EmbeddingRequest {
        let boundaries: ChunkBoundaries
        switch self.boundaries ?? "tokens" {
        case "tokens": boundaries = .tokens
        case "sentences": boundaries = .sentences
        default: throw APIError.invalid("boundaries must be \"tokens\" or \"sentences\", got \"\(self.boundaries!)\"", param: "boundaries")
        }
        guard let pooling = ChunkPooling(rawValue: self.pooling ?? "late") else {
            throw APIError.invalid("pooling must be \"late\" or \"independent\", got \"\(self.pooling!)\"", param: "pooling")
        }
        let chunking = ChunkingOptions(chunkTokens: chunkTokens, overlap: overlap ?? 0, boundaries: boundaries,
                                       pooling: pooling, windowOverlap: windowOverlap)
        var request = engine.limited(EmbeddingRequest(texts: try inputs.texts(field: "inputs", route: "/chunk"), output: .chunks(chunking)))
        request.options.normalizeEmbeddings = normalize ?? true
        request.options.truncateDimension = dimensions
        request.options.promptName = promptName
        request.maxDocumentTokens = Self.maxDocumentTokens(engine.maxInputTokens)
        return request
    }
}

extension SimilarityRequest {
    /// The source sentence then the others, as the model's own vectors (sentence-transformers' `encode`,
    /// no extra normalization), which the model's similarity function compares.
    func engineRequest(_ engine: EngineFront, autoTruncate: Bool) throws -> EmbeddingRequest {
        if inputs.sentences.isEmpty { throw APIError.invalid("'inputs.sentences' must not be empty", param: "inputs.sentences") }
        var request = engine.limited(EmbeddingRequest(texts: [inputs.sourceSentence] + inputs.sentences))
        request.options.promptName = parameters?.promptName
        request.truncationSide = try Truncation(direction: parameters?.truncationDirection)
        request.options.overflow = try Overflow(request: nil, truncate: parameters?.truncate, autoTruncate: autoTruncate)
        return request
    }
}
