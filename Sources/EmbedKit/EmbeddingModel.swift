import Foundation
import Hub
import Logging
import Pipeline
import Tokenizers

public typealias Encoding = Tokenizers.Encoding
public typealias Tokenizer = Tokenizers.Tokenizer

/// A sentence-transformers model loaded from a folder or a Hugging Face Hub id.
/// Thread-safe: one loaded model serves many concurrent callers.
///
///     let model = try await EmbeddingModel.load("path/to/model-folder")
///     let vectors = try model.encode(["Hello world"], options: EncodeOptions(normalizeEmbeddings: true))
public final class EmbeddingModel: @unchecked Sendable {
    public let info: ModelInfo
    public let tokenizer: Tokenizer
    let pipeline: SentenceTransformer
    static let logger = Logger(label: "embedkit")

    /// The model `embedkit embed` uses when none is named.
    public static let defaultModelID = HubClient.defaultModelID

    /// Longest batch (in tokens) sent through the encoder at once; longer single inputs run alone.
    public static let maxBatchTokens = 8192

    init(pipeline: SentenceTransformer, modelID: String) {
        self.pipeline = pipeline
        self.tokenizer = pipeline.tokenizer
        let config = pipeline.encoder.config
        info = ModelInfo(
            modelID: modelID,
            architecture: config.architecture.rawValue,
            dimension: pipeline.outputDimension,
            maxSequenceLength: pipeline.maxSequenceLength,
            pooling: pipeline.pooling.name,
            normalize: pipeline.normalizes,
            modules: pipeline.modules.map(\.name),
            parameters: pipeline.encoder.parameterCount,
            dtype: pipeline.encoder.storedDType,
            layers: config.layers,
            hiddenSize: config.hiddenSize,
            heads: config.heads,
            vocabularySize: config.vocabularySize,
            prompts: pipeline.prompts,
            defaultPromptName: pipeline.defaultPromptName)
    }

    /// Loads a model from a local folder, or from the Hugging Face Hub for an `org/name[@revision]` id
    /// (standard cache; `HF_HUB_OFFLINE=1` uses the cache only).
    /// `downloadProgress` receives (bytes done, bytes in all) while Hub files download.
    public static func load(_ pathOrID: String, threads: Int? = nil,
                            downloadProgress: (@Sendable (Int64, Int64?) -> Void)? = nil) async throws -> EmbeddingModel {
        if HubClient.looksLikeModelID(pathOrID) {
            let folder = try await HubClient().snapshot(pathOrID, progress: downloadProgress)
            return try load(folder: folder, modelID: pathOrID, threads: threads)
        }
        let path = (pathOrID as NSString).expandingTildeInPath
        return try load(folder: URL(fileURLWithPath: path), modelID: pathOrID, threads: threads)
    }

    /// Loads a model from a local sentence-transformers folder.
    public static func load(folder: URL, modelID: String? = nil, threads: Int? = nil) throws -> EmbeddingModel {
        let start = Date()
        let pipeline = try SentenceTransformer(folder: folder, threads: threads)
        let model = EmbeddingModel(pipeline: pipeline, modelID: modelID ?? folder.lastPathComponent)
        logger.debug("loaded \(folder.path) in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        return model
    }
}

extension EmbeddingModel {
    /// Sentence embeddings, one per text, in input order: sentence-transformers' `encode`.
    public func encode(_ texts: [String], options: EncodeOptions = EncodeOptions()) throws -> [[Float]] {
        let prepared = try prepare(texts, options: options)
        return try finish(run(prepared.ids, promptLengths: prepared.promptLengths, options: options, tokens: false).sentenceEmbeddings, options: options)
    }

    /// Token embeddings (the Transformer output before pooling), one [tokens][hidden] matrix per text.
    public func encodeTokenEmbeddings(_ texts: [String], options: EncodeOptions = EncodeOptions()) throws -> [[[Float]]] {
        let prepared = try prepare(texts, options: options)
        return try run(prepared.ids, promptLengths: prepared.promptLengths, options: options, tokens: true).tokenEmbeddings ?? []
    }

    /// Sentence embeddings of already-tokenized inputs (ids include the special tokens; no prompt is added).
    /// `promptLengths` (one per input, default 0) says how many leading tokens are a prompt, which
    /// pooling leaves out when the model's Pooling has `include_prompt: false` (see `promptLength(for:)`).
    public func encode(tokenIDs: [[Int]], promptLengths: [Int]? = nil, options: EncodeOptions = EncodeOptions()) throws -> [[Float]] {
        if let promptLengths, promptLengths.count != tokenIDs.count {
            throw EmbedKitError.invalidOption("\(promptLengths.count) prompt lengths for \(tokenIDs.count) inputs")
        }
        let limit = try maxLength(options)
        let vocabulary = pipeline.encoder.config.vocabularySize
        for ids in tokenIDs {
            if ids.count > limit {
                throw EmbedKitError.invalidOption("an input has \(ids.count) tokens; the limit is \(limit)")
            }
            if let bad = ids.first(where: { $0 < 0 || $0 >= vocabulary }) {
                throw EmbedKitError.unknownToken(bad, vocabularySize: vocabulary)
            }
        }
        let lengths = promptLengths ?? Array(repeating: 0, count: tokenIDs.count)
        return try finish(run(tokenIDs, promptLengths: lengths, options: options, tokens: false).sentenceEmbeddings, options: options)
    }

    /// How many leading tokens the prompt named `promptName` (nil: the model's default prompt, if any)
    /// takes in a tokenized input, as sentence-transformers counts it for `include_prompt: false`.
    public func promptLength(for promptName: String?) throws -> Int {
        var options = EncodeOptions()
        options.promptName = promptName
        return promptTokenCount(try resolvePrompt(options), limit: try maxLength(options))
    }

    /// sentence-transformers counts the prompt's tokens with its special tokens, minus the final one.
    func promptTokenCount(_ prompt: String?, limit: Int) -> Int {
        prompt.map { max(0, tokenizer.encode($0, maxLength: limit).ids.count - 1) } ?? 0
    }

    /// Tokenizes as `encode` would (prompt applied, lowercased if the model says so, truncated to
    /// `maxLength` or max_seq_length).
    public func tokenize(_ texts: [String], maxLength: Int? = nil) -> [Encoding] {
        var options = EncodeOptions()
        options.maxLength = maxLength
        let prompt = (try? resolvePrompt(options)) ?? nil
        let limit = (try? self.maxLength(options)) ?? pipeline.maxSequenceLength
        return tokenizer.encodeBatch(texts.map { prepareText($0, prompt: prompt) }, maxLength: limit)
    }

    /// The exact string the tokenizer sees for `text`: the prompt (explicit name, else the model's
    /// default) prepended, stripped and lowercased as sentence-transformers does.
    public func tokenizerInput(_ text: String, promptName: String? = nil) throws -> String {
        var options = EncodeOptions()
        options.promptName = promptName
        return prepareText(text, prompt: try resolvePrompt(options))
    }

    /// The similarity function the model was trained for (config_sentence_transformers.json), else cosine.
    public var similarityFunction: SimilarityFunction {
        switch pipeline.similarityFunctionName {
        case "dot", "dot_product": return .dot
        case "euclidean": return .euclidean
        case "manhattan": return .manhattan
        default: return .cosine
        }
    }

    // MARK: - Steps

    struct Prepared {
        var ids: [[Int]]
        var promptLengths: [Int]
    }

    func resolvePrompt(_ options: EncodeOptions) throws -> String? {
        if let prompt = options.prompt { return prompt }
        if let name = options.promptName {
            guard let prompt = pipeline.prompts[name] else {
                let known = pipeline.prompts.keys.sorted()
                throw EmbedKitError.invalidOption("unknown prompt name '\(name)'; this model has \(known.isEmpty ? "no prompts" : "prompts \(known)")")
            }
            return prompt
        }
        if let name = pipeline.defaultPromptName { return pipeline.prompts[name] }
        return nil
    }

    func maxLength(_ options: EncodeOptions) throws -> Int {
        let limit = options.maxLength ?? pipeline.maxSequenceLength
        guard limit >= 2 else { throw EmbedKitError.invalidOption("max length must be at least 2 (got \(limit))") }
        if let positions = pipeline.encoder.maximumSequenceLength, limit > positions {
            throw EmbedKitError.invalidOption("max length \(limit) exceeds the model's \(positions) position embeddings")
        }
        return limit
    }

    /// The text sentence-transformers hands to the tokenizer: prompt + text, stripped as Python's
    /// `str.strip()` does, lowercased if sentence_bert_config.json says do_lower_case.
    func prepareText(_ text: String, prompt: String?) -> String {
        PythonString.sentenceTransformersInput((prompt ?? "") + text, lowercase: pipeline.lowercasesInput)
    }

    func prepare(_ texts: [String], options: EncodeOptions) throws -> Prepared {
        guard options.batchSize > 0 else { throw EmbedKitError.invalidOption("batch size must be positive") }
        let limit = try maxLength(options)
        let prompt = try resolvePrompt(options)
        let encodings = tokenizer.encodeBatch(texts.map { prepareText($0, prompt: prompt) }, maxLength: limit)
        let promptLength = promptTokenCount(prompt, limit: limit)
        return Prepared(ids: encodings.map(\.ids), promptLengths: Array(repeating: promptLength, count: encodings.count))
    }

    /// Runs the pipeline in length-sorted batches of at most `batchSize` texts and `maxBatchTokens` tokens.
    func run(_ ids: [[Int]], promptLengths: [Int], options: EncodeOptions, tokens: Bool) throws -> SentenceTransformer.Output {
        var sentences = [[Float]](repeating: [], count: ids.count)
        var tokenRows: [[[Float]]]? = tokens ? [[[Float]]](repeating: [], count: ids.count) : nil
        let order = ids.indices.sorted { ids[$0].count > ids[$1].count }
        var done = 0
        var position = 0
        while position < order.count {
            var batch: [Int] = [order[position]]
            var batchTokens = ids[order[position]].count
            position += 1
            while position < order.count, batch.count < options.batchSize,
                  batchTokens + ids[order[position]].count <= Self.maxBatchTokens {
                batchTokens += ids[order[position]].count
                batch.append(order[position])
                position += 1
            }
            let out = try pipeline.forward(batch.map { ids[$0] }, promptLengths: batch.map { promptLengths[$0] },
                                           tokenEmbeddings: tokens)
            for (k, index) in batch.enumerated() {
                sentences[index] = out.sentenceEmbeddings[k]
                tokenRows?[index] = out.tokenEmbeddings?[k] ?? []
            }
            done += batch.count
            options.progress?(done, ids.count)
        }
        return SentenceTransformer.Output(sentenceEmbeddings: sentences, tokenEmbeddings: tokenRows)
    }

    /// Matryoshka truncation, then optional L2 normalization, as sentence-transformers orders them.
    func finish(_ embeddings: [[Float]], options: EncodeOptions) throws -> [[Float]] {
        var out = embeddings
        if let k = options.truncateDimension {
            guard k > 0, k <= info.dimension else {
                throw EmbedKitError.invalidOption("truncate dimension \(k) must be between 1 and the model's \(info.dimension)")
            }
            out = out.map { Array($0.prefix(k)) }
        }
        if options.normalizeEmbeddings {
            for i in out.indices { Normalize.apply(&out[i]) }
        }
        return out
    }
}
