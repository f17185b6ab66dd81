import Foundation
import EmbedKitCompute
import EmbedKitHub
import Logging
import EmbedKitPipeline
import EmbedKitTokenizers

public typealias Encoding = EmbedKitTokenizers.Encoding
public typealias Tokenizer = EmbedKitTokenizers.Tokenizer

/// A sentence-transformers model loaded from a folder or a Hugging Face Hub id.
/// Thread-safe: one loaded model serves many concurrent callers.
///
///     let model = try await EmbeddingModel.load("path/to/model-folder")
///     let vectors = try model.encode(["Hello world"], options: EncodeOptions(normalizeEmbeddings: true))
///
/// Every face goes the same way: `textPreparation` (prompt, strip, tokenizer, truncation) →
/// `BatchBudget` (passes of real tokens) → `forward` (the model's modules, one pass, never re-batched)
/// → `Postprocessing` (Matryoshka truncation, normalization).
public final class EmbeddingModel: @unchecked Sendable {
    public let info: ModelInfo
    public let textPreparation: TextPreparation
    public var tokenizer: Tokenizer { textPreparation.tokenizer }
    let pipeline: SentenceTransformer
    static let logger = Logger(label: "embedkit")

    /// The model `embedkit embed` uses when none is named.
    public static let defaultModelID = HubClient.defaultModelID

    init(pipeline: SentenceTransformer, textPreparation: TextPreparation, modelID: String, matryoshkaDimensions: [Int]? = nil) {
        self.pipeline = pipeline
        self.textPreparation = textPreparation
        let config = pipeline.encoder.config
        info = ModelInfo(
            modelID: modelID,
            architecture: config.architecture.rawValue, family: config.architecture.description,
            dimension: pipeline.outputDimension,
            maxSequenceLength: textPreparation.maxSequenceLength ?? config.maxPositionEmbeddings,
            pooling: pipeline.pooling.name,
            normalize: pipeline.normalizes,
            modules: pipeline.modules.map(\.name),
            parameters: pipeline.encoder.parameterCount,
            dtype: pipeline.encoder.storedDType,
            layers: config.layers,
            hiddenSize: config.hiddenSize,
            heads: config.heads,
            vocabularySize: config.vocabularySize,
            prompts: textPreparation.prompts,
            defaultPromptName: textPreparation.defaultPromptName,
            matryoshkaDimensions: matryoshkaDimensions,
            precision: pipeline.encoder.precision.rawValue,
            weightBytes: pipeline.encoder.weightBytes)
    }

    /// Loads a model from a local folder, or from the Hugging Face Hub for an `org/name[@revision]` id
    /// (standard cache; `HF_HUB_OFFLINE=1` uses the cache only). `threads` (nil: all cores) is used
    /// for the forward passes and for batch tokenization.
    /// `downloadProgress` receives (bytes done, bytes in all) while Hub files download.
    /// `precision`: what the model computes in (default fp32, sentence-transformers' exact vectors).
    public static func load(_ pathOrID: String, threads: Int? = nil, precision: Precision = .fp32,
                            downloadProgress: (@Sendable (Int64, Int64?) -> Void)? = nil) async throws -> EmbeddingModel {
        _ = try precision.resolved()   // an unsupported precision fails before any download
        let folder = try await ModelLocation.folder(pathOrID, progress: downloadProgress)
        return try load(folder: folder, modelID: pathOrID, threads: threads, precision: precision)
    }

    /// The local folder of a folder path or a Hub id `org/name[@revision]` (downloaded into the standard
    /// cache): resolve once, then ask what kind of model it holds (`CrossEncoder.isCrossEncoder(folder:)`,
    /// `SparseEncoder.isSparseEncoder(folder:)`, `BGEM3.isM3(folder:)`) and load it with `load(folder:)`.
    public static func folder(_ pathOrID: String, downloadProgress: (@Sendable (Int64, Int64?) -> Void)? = nil) async throws -> URL {
        try await ModelLocation.folder(pathOrID, progress: downloadProgress)
    }

    /// Loads a model from a local sentence-transformers folder.
    public static func load(folder: URL, modelID: String? = nil, threads: Int? = nil, precision: Precision = .fp32) throws -> EmbeddingModel {
        let compute = try computePrecision(precision, threads: threads)
        // A cross-encoder read as an encoder would give vectors of no meaning: refused, with what to use.
        if CrossEncoder.isCrossEncoder(folder: folder) {
            throw EmbedKitError.invalidOption("\(folder.lastPathComponent) is a cross-encoder (a reranker, …ForSequenceClassification): score pairs with CrossEncoder / `embedkit rerank`, not embeddings")
        }
        if SparseEncoder.isSparseEncoder(folder: folder) {
            throw EmbedKitError.invalidOption("\(folder.lastPathComponent) is a sparse encoder (SPLADE): encode with SparseEncoder / `embedkit sparse`, not embeddings")
        }
        let start = Date()
        let model = try EmbedKitError.wrapping {
            let text = try TextPreparation(folder: folder, threads: threads)
            let pipeline = try SentenceTransformer(folder: folder, threads: threads, precision: compute)
            return EmbeddingModel(pipeline: pipeline, textPreparation: text, modelID: modelID ?? folder.lastPathComponent,
                                  matryoshkaDimensions: try Postprocessing.matryoshkaDimensions(folder: folder))
        }
        logger.debug("loaded \(folder.path) in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        return model
    }
}

extension EmbeddingModel {
    /// The checks every model load makes before reading weights (embedding models and cross-encoders):
    /// the thread count, the precision this CPU can compute in, and `EMBEDKIT_BLAS`. Returns the precision.
    static func computePrecision(_ precision: Precision, threads: Int?) throws -> ComputePrecision {
        if let threads, threads < 1 { throw EmbedKitError.invalidOption("threads must be at least 1 (got \(threads))") }
        let compute = try precision.resolved()
        if precision == .auto { logger.info("precision auto: \(compute) on this CPU") }
        if CBLAS.selection == nil, let blasError = CBLAS.defaultError {   // EMBEDKIT_BLAS names no usable library
            throw EmbedKitError.invalidOption(blasError.description)
        }
        return compute
    }

    /// Runs a request through the engine: `plan`, the plan's inputs in the passes of the options' budget,
    /// `finish`. Each input's result on its own (`EmbeddingResponse.all()` throws the first failure).
    public func embed(_ request: EmbeddingRequest) throws -> EmbeddingResponse {
        let plan = try self.plan(request)
        return try plan.finish(try forwardAll(plan.inputs, options: request.options))
    }

    /// `request` made ready for the engine (see `EmbeddingPlan`), for callers that run its inputs themselves.
    public func plan(_ request: EmbeddingRequest) throws -> EmbeddingPlan {
        try EmbeddingPlan(request, preparation: textPreparation, info: info)
    }

    /// Sentence embeddings, one per text, in input order: sentence-transformers' `encode`.
    /// A text longer than the max length is cut (`overflow: .truncate`), refused (`.error`) or embedded
    /// as the token-weighted mean of its chunks (`.chunkMean`); `.chunk` needs `encodeChunks`.
    public func encode(_ texts: [String], options: EncodeOptions = EncodeOptions()) throws -> [[Float]] {
        try embed(EmbeddingRequest(texts: texts, options: options)).all().map { $0.vectors[0] }
    }

    /// Several Matryoshka sizes from one forward pass: per text, one vector per size in `dimensions`'
    /// order, each the first k values renormalized (unless neither the model nor `normalizeEmbeddings`
    /// normalizes). `options.truncateDimension` is not used.
    public func encode(_ texts: [String], dimensions: [Int], options: EncodeOptions = EncodeOptions()) throws -> [[[Float]]] {
        guard !dimensions.isEmpty else { throw EmbedKitError.invalidOption("give at least one dimension") }
        var request = EmbeddingRequest(texts: texts, options: options)
        request.renormalizedSizes(dimensions, modelNormalizes: info.normalize)
        return try embed(request).all().map(\.vectors)
    }

    /// Sentence embeddings of already-tokenized inputs (ids include the special tokens; no prompt is added).
    /// `promptLengths` (one per input, default 0) says how many leading tokens are a prompt, which
    /// pooling leaves out when the model's Pooling has `include_prompt: false`.
    public func encode(tokenIDs: [[Int]], promptLengths: [Int]? = nil, options: EncodeOptions = EncodeOptions()) throws -> [[Float]] {
        if let promptLengths, promptLengths.count != tokenIDs.count {
            throw EmbedKitError.invalidOption("\(promptLengths.count) prompt lengths for \(tokenIDs.count) inputs")
        }
        let inputs = try tokenIDs.enumerated().map { i, ids in
            try textPreparation.prepare(tokenIDs: ids, promptLength: promptLengths?[i] ?? 0, maxLength: options.maxLength)
        }
        return try encode(prepared: inputs, options: options)
    }

    /// Token embeddings (the Transformer output before pooling), one [tokens][hidden] matrix per text.
    public func encodeTokenEmbeddings(_ texts: [String], options: EncodeOptions = EncodeOptions()) throws -> [[[Float]]] {
        try embed(EmbeddingRequest(texts: texts, output: .tokenEmbeddings, options: options)).all().map(\.vectors)
    }

    private func tokenEmbeddings(_ inputs: [PreparedInput], options: EncodeOptions) throws -> [[[Float]]] {
        let states = inputs.map { $0.withTokenStates() }
        return PreparedInput.split(try forwardAll(states, options: options), by: states).map { Array($0) }
    }

    /// Token embeddings of already-tokenized inputs (special tokens included), one matrix per input.
    public func encodeTokenEmbeddings(tokenIDs: [[Int]], options: EncodeOptions = EncodeOptions()) throws -> [[[Float]]] {
        let inputs = try tokenIDs.map { try textPreparation.prepare(tokenIDs: $0, maxLength: options.maxLength) }
        return try tokenEmbeddings(inputs, options: options)
    }

    /// Sentence embeddings of prepared inputs, batched by the options' budget, post-processed: one per
    /// input, in order (an input with late-chunking spans gives one per span).
    public func encode(prepared inputs: [PreparedInput], options: EncodeOptions = EncodeOptions()) throws -> [[Float]] {
        let post = options.postprocessing
        try post.validate(modelDimension: info.dimension, matryoshkaDimensions: info.matryoshkaDimensions)
        return try forwardAll(inputs, options: options).map(post.apply)
    }

    /// The engine core: one forward pass over `inputs` as given (never re-batched), through every module
    /// of the model (Pooling, Dense, Normalize), nothing else: one vector per input, per span of an
    /// input with late-chunking spans, or per token of an input with `tokenStates` (the Transformer's
    /// final states, before Pooling), in order. Synchronous CPU work on the model's threads.
    public func forward(_ inputs: [PreparedInput]) throws -> [[Float]] {
        if inputs.isEmpty { return [] }
        let spanned = inputs.contains { $0.spans != nil }
        let perToken = inputs.contains { $0.tokenStates }
        let out = try EmbedKitError.wrapping {
            try pipeline.forward(inputs.map(\.ids), promptLengths: inputs.map(\.promptLength),
                                 spans: spanned ? inputs.map(\.spans) : nil,
                                 windows: spanned ? inputs.map(\.window) : nil, tokenEmbeddings: perToken)
        }
        guard perToken, let tokens = out.tokenEmbeddings else { return out.sentenceEmbeddings }
        // The pipeline gives every input its sentence vector(s) and, when asked, its token rows.
        var vectors: [[Float]] = []
        var next = 0
        for (i, input) in inputs.enumerated() {
            let sentences = input.spans?.count ?? 1
            vectors += input.tokenStates ? tokens[i] : Array(out.sentenceEmbeddings[next ..< next + sentences])
            next += sentences
        }
        return vectors
    }

    /// `forward` over all `inputs` in the passes the options' budget plans, not post-processed.
    func forwardAll(_ inputs: [PreparedInput], options: EncodeOptions) throws -> [[Float]] {
        var perInput = [ArraySlice<[Float]>](repeating: [], count: inputs.count)
        try run(inputs, options: options) { batch in
            let mine = batch.map { inputs[$0] }
            for (i, vectors) in zip(batch, PreparedInput.split(try forward(mine), by: mine)) { perInput[i] = vectors }
        }
        return perInput.flatMap { $0 }
    }

    /// How many leading tokens the prompt named `promptName` (nil: the model's default prompt, if any)
    /// takes in a tokenized input, as sentence-transformers counts it for `include_prompt: false`.
    public func promptLength(for promptName: String?) throws -> Int {
        textPreparation.promptLength(try textPreparation.prompt(named: promptName), maxLength: try textPreparation.maxLength())
    }

    /// Tokenizes as `encode` would (prompt applied, lowercased if the model says so, truncated to
    /// `maxLength` or max_seq_length).
    public func tokenize(_ texts: [String], maxLength: Int? = nil, promptName: String? = nil) throws -> [Encoding] {
        let prompt = try textPreparation.prompt(named: promptName)
        let limit = try textPreparation.maxLength(maxLength)
        return tokenizer.encodeBatch(texts.map { textPreparation.tokenizerInput($0, prompt: prompt) }, maxLength: limit,
                                     threads: textPreparation.threads)
    }

    /// The similarity function the model was trained for (config_sentence_transformers.json), else cosine.
    public var similarityFunction: SimilarityFunction { textPreparation.similarityFunction }

    // MARK: - Steps

    /// The model's inputs for `texts` exactly as `encode` prepares them (prompt, strip, tokenizer,
    /// truncation or refusal by `options.overflow`), to pass to `encode(prepared:options:)`.
    public func prepare(_ texts: [String], options: EncodeOptions) throws -> [PreparedInput] {
        var request = EmbeddingRequest(texts: texts, options: options)
        if options.overflow != .error { request.options.overflow = .truncate }   // one input per text
        let plan = try self.plan(request)
        if let failure = plan.failures.first { throw failure.error }
        return plan.inputs
    }

    /// Runs `body` on each pass the options' budget plans, reporting progress after each.
    func run(_ inputs: [PreparedInput], options: EncodeOptions, _ body: ([Int]) throws -> Void) throws {
        var done = 0
        for batch in try options.budget().passes(lengths: inputs.map(\.ids.count)) {
            try body(batch)
            done += batch.count
            options.progress?(done, inputs.count)
        }
    }
}
