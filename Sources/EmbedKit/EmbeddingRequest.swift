/// One input of a request: a text, or token ids of the model's own vocabulary (special tokens included;
/// no prompt is added).
public enum EmbeddingInput: Sendable, Equatable {
    case text(String)
    case tokenIDs([Int])
}

/// One request to the engine, as every face states it: the library's `encode`/`chunk`, `embedkit embed`
/// and `chunk` (printing and bulk jobs) and every server route translate theirs into this type and read
/// an `EmbeddingResponse` back. The rules of a request live in `EmbeddingPlan`, once:
/// planning (prompt, overflow policy, truncation, chunking, limits) and finishing (chunk-mean,
/// Matryoshka sizes, normalization, quantization, the finite check, token usage).
///
///     var request = EmbeddingRequest(texts: ["a", "b"], options: EncodeOptions(normalizeEmbeddings: true))
///     request.dimensions = [64, 256]
///     let response = try model.embed(request)     // or: plan, run `plan.inputs` anywhere, `plan.finish`
public struct EmbeddingRequest: Sendable {
    /// What the request returns per input.
    public enum Output: Sendable, Equatable {
        /// One vector per input (one per size of `dimensions`); a text longer than the max length is cut,
        /// refused or averaged over its chunks by `options.overflow` (`chunk` is refused: use `.chunks`).
        case sentences
        /// Each input's chunks, with a vector each. `ChunkingOptions`: every text is chunked so; nil: the
        /// overflow policy decides (a text within the max length is one chunk; a longer one is cut,
        /// refused, or chunked by `options.chunking`, else in independent chunks of the max length).
        case chunks(ChunkingOptions?)
        /// The inputs are one document's consecutive pieces, joined with `separator` and run as one
        /// input (Jina's `late_chunking`): one vector per piece.
        case lateChunks(separator: String)
        /// Each input's final token states (the Transformer's output before pooling), one row per token,
        /// special and prompt tokens included: sentence-transformers' `output_value="token_embeddings"`,
        /// TEI's `/embed_all`. A text longer than the max length is cut or refused (`truncate`/`error`).
        case tokenEmbeddings
        /// A sparse encoder's (SPLADE's) vector of each input: its nonzero weights as interleaved
        /// (index, value) floats (`SparseVector(interleaved:)`), as `SparseEncoder.forward` gives them.
        /// Cut or refused past the max length, as `tokenEmbeddings`.
        case sparse
        /// A multi-vector model's (bge-m3's) ColBERT vectors of each input: one per token after the
        /// first. Cut or refused past the max length, as `tokenEmbeddings`.
        case multiVector
    }

    public var inputs: [EmbeddingInput]
    public var output: Output
    /// Prompt, lengths, overflow policy, normalization, one Matryoshka size, batching and progress.
    public var options: EncodeOptions
    /// Several Matryoshka sizes from one pass, each truncated then renormalized when normalizing; empty:
    /// the one size `options.truncateDimension` (nil: the model's width).
    public var dimensions: [Int] = []
    /// Which end `overflow: truncate` cuts (TEI's `truncation_direction`); `.none` refuses, as `error`.
    public var truncationSide: Truncation = .right
    /// The values returned: float32, or sentence-transformers' `quantize_embeddings` precisions.
    public var precision: EmbeddingPrecision = .float32
    /// int8/uint8 calibration; nil: each dimension's range over this request's vectors.
    public var quantizationRanges: QuantizationRanges?
    /// Inputs per request at most (the server's `--max-client-batch-size`); nil: any number.
    public var maxInputs: Int?
    /// Tokens a chunked or late-chunked document may have at most; nil: any number.
    public var maxDocumentTokens: Int?

    public init(inputs: [EmbeddingInput], output: Output = .sentences, options: EncodeOptions = EncodeOptions()) {
        self.inputs = inputs
        self.output = output
        self.options = options
    }

    public init(texts: [String], output: Output = .sentences, options: EncodeOptions = EncodeOptions()) {
        self.init(inputs: texts.map(EmbeddingInput.text), output: output, options: options)
    }

    /// The sizes returned, in order (nil: the model's full width).
    var sizes: [Int?] { dimensions.isEmpty ? [options.truncateDimension] : dimensions }

    /// Asks for several Matryoshka sizes from one pass, each renormalized unless neither the model nor
    /// the request normalizes (`encode(_:dimensions:)`, `embedkit embed --dimensions K1,K2`).
    public mutating func renormalizedSizes(_ sizes: [Int], modelNormalizes: Bool) {
        dimensions = sizes
        options.truncateDimension = nil
        options.normalizeEmbeddings = options.normalizeEmbeddings || modelNormalizes
    }
}

/// What one input of a request gave.
public struct EmbeddingResult: Sendable, Equatable {
    /// One vector per size of the request, post-processed (`.sentences` and `.lateChunks`); one row
    /// per token, as the model computed it (`.tokenEmbeddings`).
    public var vectors: [[Float]]
    /// The same vectors quantized, when the request's precision is not float32.
    public var integers: [[Int]]?
    /// The input's chunks (`.chunks`); a text with no tokens of its own has none.
    public var chunks: [TextChunk]
    /// Whether the input lost tokens to the max length.
    public var truncated: Bool
    /// Model-input tokens the input took (all its chunks; a late piece counts its span).
    public var tokens: Int

    public init(vectors: [[Float]], integers: [[Int]]? = nil, chunks: [TextChunk] = [], truncated: Bool = false, tokens: Int = 0) {
        self.vectors = vectors
        self.integers = integers
        self.chunks = chunks
        self.truncated = truncated
        self.tokens = tokens
    }
}

/// A request's results, one per input in order: a vector (or chunks), or why that input failed.
public struct EmbeddingResponse: Sendable {
    public var results: [Result<EmbeddingResult, EmbedKitError>]
    /// Model-input tokens of everything the engine ran for the request (usage).
    public var tokens: Int

    /// Indices of the inputs cut at the max length.
    public var truncated: [Int] { results.indices.filter { (try? results[$0].get())?.truncated == true } }

    /// The first input that failed, as `EmbedKitError.input(index:_:)`.
    public var firstFailure: EmbedKitError? {
        for (i, r) in results.enumerated() { if case .failure(let e) = r { return .input(index: i, e) } }
        return nil
    }

    /// Every input's result, or the first failure thrown.
    public func all() throws -> [EmbeddingResult] {
        if let firstFailure { throw firstFailure }
        return results.map { try! $0.get() }
    }
}

/// A request made ready for the engine: each input prepared (or refused, on its own), the engine inputs
/// to run, and how their vectors become the response. `EmbeddingModel.embed` runs the inputs in the
/// passes of `options.budget()`; the server runs them through its queue; both then call `finish`.
public struct EmbeddingPlan: Sendable {
    public let request: EmbeddingRequest
    /// Per unit (an input; for `.lateChunks` the one joined document): its engine inputs and chunk spans.
    let units: [Result<ChunkedText, EmbedKitError>]
    /// The engine inputs of every unit that could be planned, in order: what `forward` must run.
    public let inputs: [PreparedInput]
    /// Whether the model normalizes its own vectors (chunk-mean renormalizes then).
    let modelNormalizes: Bool

    /// Plans `request` with the model's text preparation: options are checked first (a wrong option
    /// fails the whole request), then every input is prepared on its own (a failing input is kept as its
    /// error and the others go on).
    public init(_ request: EmbeddingRequest, preparation: TextPreparation, info: ModelInfo) throws {
        self.request = request
        modelNormalizes = info.normalize
        try Self.validate(request, info: info)
        let options = request.options
        let prompt = try preparation.prompt(options.prompt, named: options.promptName)
        let side = options.truncation(request.truncationSide)
        var units: [Result<ChunkedText, EmbedKitError>]
        switch request.output {
        case .sentences where options.overflow == .chunk:
            throw EmbedKitError.invalidField("overflow", reason: "overflow 'chunk' gives several vectors per text: ask for chunks (POST /chunk, `embedkit chunk`, `EmbeddingModel.chunk`)")
        case .sentences, .chunks(nil):
            // truncate/error: each input as it is; chunk/chunk-mean: over-long texts chunked.
            if options.overflow == .truncate || options.overflow == .error {
                units = try Self.whole(request.inputs, preparation, prompt: prompt, maxLength: options.maxLength, truncation: side,
                                       idTruncation: side)
            } else {
                units = try Self.onOverflow(request.inputs, preparation, prompt: prompt, options: options)
            }
        case .chunks(let chunking?):
            units = request.inputs.map { input in
                Result {
                    guard case .text(let text) = input else { throw EmbedKitError.invalidOption("chunking takes text inputs, not token ids") }
                    return try preparation.chunk(text, prompt: prompt, options: chunking, maxLength: options.maxLength)
                }.mapError(EmbedKitError.of)
            }
        case .tokenEmbeddings, .sparse, .multiVector:
            guard options.overflow == .truncate || options.overflow == .error else {
                throw EmbedKitError.invalidField("overflow", reason: "token embeddings, sparse vectors and multi-vectors are cut or refused past the max length: overflow 'truncate' or 'error'")
            }
            let head: PreparedInput.Head = request.output == .sparse ? .sparse : request.output == .multiVector ? .multiVector : .tokens
            units = try Self.whole(request.inputs, preparation, prompt: prompt, maxLength: options.maxLength, truncation: side,
                                   idTruncation: side).map { $0.map { $0.with(head: head) } }
        case .lateChunks(let separator):
            let pieces = try request.inputs.map { input -> String in
                guard case .text(let text) = input else { throw EmbedKitError.invalidOption("late chunking takes text inputs, not token ids") }
                return text
            }
            units = [try preparation.lateChunks(pieces, separator: separator, prompt: prompt, maxLength: options.maxLength)]
                .map { .success($0) }
        }
        if let cap = request.maxDocumentTokens {
            units = units.map { unit in
                unit.flatMap { c in c.tokenCount > cap ? .failure(.documentTooLong(tokens: c.tokenCount, limit: cap)) : .success(c) }
            }
        }
        self.units = units
        inputs = units.flatMap { (try? $0.get())?.inputs ?? [] }
    }

    /// The inputs that could not be planned, with why (for `.lateChunks` the document, as input 0).
    public var failures: [(index: Int, error: EmbedKitError)] {
        units.enumerated().compactMap { i, unit in
            if case .failure(let e) = unit { return (i, e) }
            return nil
        }
    }

    /// The request-level rules: input count, batching, sizes, precision and calibration.
    static func validate(_ request: EmbeddingRequest, info: ModelInfo) throws {
        if let limit = request.maxInputs, request.inputs.count > limit {
            throw EmbedKitError.tooManyInputs(count: request.inputs.count, limit: limit)
        }
        _ = try request.options.budget()
        if Set(request.dimensions).count != request.dimensions.count {
            throw EmbedKitError.invalidField("dimensions", reason: "dimensions lists a size twice")
        }
        for k in request.sizes {
            do {
                try Postprocessing(dimensions: k).validate(modelDimension: info.dimension, matryoshkaDimensions: info.matryoshkaDimensions)
            } catch EmbedKitError.invalidOption(let why) {
                throw EmbedKitError.invalidField("dimensions", reason: why)
            }
        }
        if case .chunks(let chunking?) = request.output { try chunking.validate() }
        if request.output == .tokenEmbeddings || request.output == .sparse || request.output == .multiVector {
            let what = request.output == .sparse ? "sparse vectors" : request.output == .multiVector ? "multi-vectors" : "token embeddings"
            if request.sizes != [nil] { throw EmbedKitError.invalidField("dimensions", reason: "\(what) are not truncated to a dimension") }
            if request.precision != .float32 {
                throw EmbedKitError.invalidField("encoding_format", reason: "\(what) are returned as float32 values")
            }
        }
        if info.kind == .sparse && request.output != .sparse {
            throw EmbedKitError.invalidOption("this model is a sparse encoder (SPLADE): it gives sparse vectors (SparseEncoder, `embedkit sparse`, POST /embed_sparse), not dense embeddings")
        }
        let needed: PreparedInput.Head
        switch request.output {
        case .sentences: needed = .pooled
        case .chunks, .lateChunks, .tokenEmbeddings: needed = .tokens   // spans pool token states
        case .sparse: needed = .sparse
        case .multiVector: needed = .multiVector
        }
        if !info.outputs.contains(needed) {
            switch needed {
            case .sparse: throw EmbedKitError.invalidOption("this model gives no sparse vectors: they need a SPLADE model (MLMTransformer + SpladePooling) or bge-m3")
            case .multiVector: throw EmbedKitError.invalidOption("this model gives no multi-vectors: ColBERT vectors need bge-m3 (colbert_linear.pt)")
            case .tokens: throw EmbedKitError.invalidOption("this model is served without its token states (bge-m3 served whole): token embeddings, chunks and late chunking are not available for it")
            case .pooled: throw EmbedKitError.invalidOption("this model gives no sentence embeddings")
            }
        }
        if request.precision != .float32, case .chunks = request.output {
            throw EmbedKitError.invalidField("encoding_format", reason: "chunks are returned as float32 vectors")
        }
        if let ranges = request.quantizationRanges {
            guard request.precision == .int8 || request.precision == .uint8 else {
                throw EmbedKitError.invalidField("quantization_ranges", reason: "quantization_ranges applies to the int8 and uint8 formats only")
            }
            guard ranges.minimum.count == ranges.maximum.count, !ranges.minimum.isEmpty else {
                throw EmbedKitError.invalidField("quantization_ranges",
                                                 reason: "quantization_ranges must be [[minimum per dimension], [maximum per dimension]]")
            }
        }
    }

    /// Each input as one engine input, cut or refused past the max length (token ids by `idTruncation`);
    /// texts tokenized in one batch.
    static func whole(_ inputs: [EmbeddingInput], _ preparation: TextPreparation, prompt: String?, maxLength: Int?,
                      truncation: Truncation, idTruncation: Truncation) throws -> [Result<ChunkedText, EmbedKitError>] {
        var texts: [String] = []
        for case .text(let t) in inputs { texts.append(t) }
        var prepared = try preparation.prepareEach(texts, prompt: prompt, maxLength: maxLength, truncation: truncation).makeIterator()
        return inputs.map { input in
            switch input {
            case .text(let text):
                return prepared.next()!.map { ChunkedText(whole: $0, characters: text.unicodeScalars.count) }
            case .tokenIDs(let ids):
                return Result {
                    guard !ids.isEmpty else { throw EmbedKitError.invalidOption("an empty list of token ids") }
                    try preparation.specialTokens.check(ids)
                    let input = try preparation.prepare(tokenIDs: ids, maxLength: maxLength, truncation: idTruncation)
                    return ChunkedText(whole: input, characters: 0)
                }.mapError(EmbedKitError.of)
            }
        }
    }

    /// The overflow policy's chunks: a text within the max length as one input, a longer one chunked;
    /// token ids are never chunked (past the max length they are refused).
    static func onOverflow(_ inputs: [EmbeddingInput], _ preparation: TextPreparation, prompt: String?,
                           options: EncodeOptions) throws -> [Result<ChunkedText, EmbedKitError>] {
        let whole = try whole(inputs, preparation, prompt: prompt, maxLength: options.maxLength, truncation: .right, idTruncation: Truncation.none)
        return zip(inputs, whole).map { input, unit in
            guard case .text(let text) = input, case .success(let c) = unit, c.inputs[0].truncated else { return unit }
            return Result {
                try preparation.chunkOnOverflow(text, prepared: c.inputs[0], prompt: prompt, chunking: options.chunking,
                                                maxLength: options.maxLength)
            }.mapError(EmbedKitError.of)
        }
    }

    /// The response, given `vectors` for `inputs` in order (`forward`: one per input, or per span).
    public func finish(_ vectors: [[Float]]) throws -> EmbeddingResponse {
        let expected = inputs.reduce(0) { $0 + $1.vectorCount }
        guard vectors.count == expected else {
            throw EmbedKitError.invalidOption("the engine returned \(vectors.count) vectors for \(expected) expected")
        }
        let normalize = request.options.normalizeEmbeddings
        let sizes = request.sizes
        // Each planned unit's vectors, one per span.
        var slices = PreparedInput.split(vectors, counts: units.compactMap { try? $0.get().vectorCount }).makeIterator()
        let unitVectors = units.map { unit in unit.map { _ in slices.next()! } }
        let tokens = units.reduce(0) { $0 + ((try? $1.get())?.inputTokens ?? 0) }

        var results: [Result<EmbeddingResult, EmbedKitError>]
        switch request.output {
        case .sentences:
            results = zip(units, unitVectors).map { unit, v in
                unit.flatMap { c in
                    v.map { Postprocessing(normalize: normalize).sizes(c.mean($0, normalize: modelNormalizes), sizes) }
                        .flatMap { sized in
                            Self.finite(sized).map {
                                EmbeddingResult(vectors: $0, integers: nil, chunks: [], truncated: c.inputs.contains(where: \.truncated) && c.vectorCount == 1,
                                                tokens: c.inputTokens)
                            }
                        }
                }
            }
        case .chunks:
            let post = Postprocessing(dimensions: sizes[0], normalize: normalize)
            results = zip(units, unitVectors).map { unit, v in
                unit.flatMap { c in
                    v.flatMap { vs in
                        let chunks = c.chunks(vs.map(post.apply)[...])
                        return Self.finite(chunks.map(\.embedding)).map { _ in
                            EmbeddingResult(vectors: [], integers: nil, chunks: chunks, truncated: chunks.contains(where: \.truncated),
                                            tokens: c.inputTokens)
                        }
                    }
                }
            }
        case .tokenEmbeddings, .sparse, .multiVector:
            results = zip(units, unitVectors).map { unit, v in
                unit.flatMap { c in
                    v.flatMap { rows in
                        Self.finite(Array(rows)).map {
                            EmbeddingResult(vectors: $0, truncated: c.inputs[0].truncated, tokens: c.inputTokens)
                        }
                    }
                }
            }
        case .lateChunks:
            // One document: its n spans answer the n inputs.
            switch (units[0], unitVectors[0]) {
            case (.success(let c), .success(let vs)):
                results = zip(c.spans, vs).map { span, v in
                    Self.finite(Postprocessing(normalize: normalize).sizes(v, sizes)).map {
                        EmbeddingResult(vectors: $0, integers: nil, chunks: [], truncated: false, tokens: span.tokens.count)
                    }
                }
            case (.failure(let e), _), (_, .failure(let e)):
                results = Array(repeating: .failure(e), count: request.inputs.count)
            }
        }
        if request.precision != .float32 {
            results = try quantized(results, sizes: sizes.count)
        }
        return EmbeddingResponse(results: results, tokens: tokens)
    }

    /// The vectors, or `nonFiniteOutput` when any value is NaN or infinite (JSON and the formats have none).
    static func finite(_ vectors: [[Float]]) -> Result<[[Float]], EmbedKitError> {
        vectors.allSatisfy { $0.allSatisfy(\.isFinite) } ? .success(vectors) : .failure(.nonFiniteOutput)
    }

    /// The results with their vectors quantized, per size over every input that has one (int8/uint8
    /// ranges: the request's `quantizationRanges`, else each dimension's range over these vectors).
    func quantized(_ results: [Result<EmbeddingResult, EmbedKitError>], sizes: Int) throws -> [Result<EmbeddingResult, EmbedKitError>] {
        var out = results
        let done = results.indices.filter { (try? results[$0].get()) != nil }
        for s in 0..<sizes {
            let vectors = done.map { try! results[$0].get().vectors[s] }
            let values: [[Int]]
            do {
                values = try Quantization.quantize(vectors, precision: request.precision, ranges: request.quantizationRanges)
            } catch EmbedKitError.invalidOption(let why) {
                throw EmbedKitError.invalidField("quantization_ranges", reason: why)
            }
            for (i, v) in zip(done, values) {
                if case .success(var r) = out[i] {
                    r.integers = (r.integers ?? []) + [v]
                    out[i] = .success(r)
                }
            }
        }
        return out
    }
}
