import Compute
import Formats
import Foundation
import Models

/// The modules of a sentence-transformers folder after tokenization: Transformer → Pooling → Dense… →
/// Normalize, as modules.json lists them. Text preparation (tokenizer, prompts, max_seq_length) is
/// `EmbedKit.TextPreparation`.
public final class SentenceTransformer: @unchecked Sendable {
    /// What `forward` returns for one batch.
    public struct Output: Sendable {
        /// One sentence embedding per input (after Pooling, Dense and Normalize modules).
        public var sentenceEmbeddings: [[Float]]
        /// Per input, the Transformer's output rows (only when requested).
        public var tokenEmbeddings: [[[Float]]]?

        public init(sentenceEmbeddings: [[Float]], tokenEmbeddings: [[[Float]]]?) {
            self.sentenceEmbeddings = sentenceEmbeddings
            self.tokenEmbeddings = tokenEmbeddings
        }
    }

    public let folder: URL
    public let encoder: TransformerEncoder
    public let modules: [ModuleKind]
    public let pooling: Pooling
    /// Modules after Pooling, in order.
    let sentenceModules: [SentenceModule]
    public let threadPool: ThreadPool

    enum SentenceModule {
        case dense(Dense)
        case normalize
    }

    /// Loads every module of the folder. `threads` nil: all cores.
    public init(folder: URL, threads: Int? = nil) throws {
        self.folder = folder
        threadPool = ThreadPool(threads: threads)
        guard FileManager.default.fileExists(atPath: folder.path) else { throw PipelineError.missingFile(folder.path) }
        let config = try TransformerConfig.load(folder: folder)
        encoder = try TransformerEncoder(config: config, store: try TensorStore.load(folder: folder))

        let listed = try ModuleKind.load(folder: folder)
        modules = listed ?? [.transformer, .pooling(path: "")]
        var pooling: Pooling?
        var rest: [SentenceModule] = []
        var width = config.hiddenSize
        for module in modules.dropFirst() {
            switch module {
            case .transformer:
                throw PipelineError.invalidFile(file: folder.appendingPathComponent("modules.json").path, reason: "only one Transformer module is supported")
            case .pooling(let path):
                guard pooling == nil else {
                    throw PipelineError.invalidFile(file: folder.appendingPathComponent("modules.json").path, reason: "only one Pooling module is supported")
                }
                let p: Pooling
                if listed == nil {
                    // No modules.json: sentence-transformers' default mean pooling.
                    p = Pooling(modes: [.mean], wordEmbeddingDimension: config.hiddenSize)
                } else {
                    p = try Pooling.load(folder: folder.appendingPathComponent(path), defaultDimension: config.hiddenSize)
                }
                guard p.wordEmbeddingDimension == config.hiddenSize else {
                    throw PipelineError.invalidFile(file: folder.appendingPathComponent(path).appendingPathComponent("config.json").path,
                                                    reason: "word_embedding_dimension \(p.wordEmbeddingDimension) differs from the model's hidden_size \(config.hiddenSize)")
                }
                pooling = p
                width = p.outputDimension
            case .dense(let path):
                guard pooling != nil else {
                    throw PipelineError.invalidFile(file: folder.appendingPathComponent("modules.json").path, reason: "Dense before Pooling is not supported")
                }
                let dense = try Dense.load(folder: folder.appendingPathComponent(path))
                guard dense.inFeatures == width else {
                    throw PipelineError.invalidFile(file: folder.appendingPathComponent(path).appendingPathComponent("config.json").path,
                                                    reason: "in_features \(dense.inFeatures) differs from the previous module's output dimension \(width)")
                }
                width = dense.outFeatures
                rest.append(.dense(dense))
            case .normalize:
                rest.append(.normalize)
            }
        }
        self.pooling = pooling ?? Pooling(modes: [.mean], wordEmbeddingDimension: config.hiddenSize)
        sentenceModules = rest
        outputDimension = width
    }

    /// Dimension of the sentence embeddings.
    public let outputDimension: Int

    /// Whether the model's own modules end in Normalize.
    public var normalizes: Bool {
        if case .normalize = sentenceModules.last { return true }
        return false
    }

    /// Runs one batch of token-id sequences through every module. `promptLength` leading tokens are
    /// left out of pooling when the Pooling module excludes the prompt.
    public func forward(_ ids: [[Int]], promptLength: Int = 0, tokenEmbeddings: Bool = false) throws -> Output {
        try forward(ids, promptLengths: Array(repeating: promptLength, count: ids.count), tokenEmbeddings: tokenEmbeddings)
    }

    /// As `forward(_:promptLength:tokenEmbeddings:)`, with a prompt length per sequence (a server
    /// batches requests that use different prompts).
    public func forward(_ ids: [[Int]], promptLengths: [Int], tokenEmbeddings: Bool = false) throws -> Output {
        precondition(promptLengths.count == ids.count, "one prompt length per sequence")
        let hidden = try encoder.forward(ids, pool: threadPool)
        let h = hidden.hiddenSize
        var pooled: [Float] = []
        pooled.reserveCapacity(ids.count * pooling.outputDimension)
        for i in 0..<ids.count {
            pooled += pooling.pool(hidden.rows(of: i), length: ids[i].count, width: h, skip: promptLengths[i])
        }
        var width = pooling.outputDimension
        var normalizeRows = false
        for module in sentenceModules {
            switch module {
            case .dense(let dense):
                if normalizeRows { pooled = Self.normalizedRows(pooled, width: width); normalizeRows = false }
                pooled = dense.apply(pooled, rows: ids.count, pool: threadPool)
                width = dense.outFeatures
            case .normalize:
                normalizeRows = true
            }
        }
        if normalizeRows { pooled = Self.normalizedRows(pooled, width: width) }
        let sentences = (0..<ids.count).map { Array(pooled[$0 * width ..< ($0 + 1) * width]) }
        var tokens: [[[Float]]]?
        if tokenEmbeddings {
            tokens = (0..<ids.count).map { i in
                let rows = hidden.rows(of: i)
                return (0..<ids[i].count).map { j in Array(rows[rows.startIndex + j * h ..< rows.startIndex + (j + 1) * h]) }
            }
        }
        return Output(sentenceEmbeddings: sentences, tokenEmbeddings: tokens)
    }

    static func normalizedRows(_ values: [Float], width: Int) -> [Float] {
        var out = values
        for start in stride(from: 0, to: values.count, by: width) {
            var row = Array(out[start ..< start + width])
            Normalize.apply(&row)
            out.replaceSubrange(start ..< start + width, with: row)
        }
        return out
    }
}
