import EmbedKitCompute
import EmbedKitFormats
import Foundation
import EmbedKitModels

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

    /// Loads every module of the folder. `threads` nil: all cores. `precision`: what the Transformer's
    /// Linear layers compute in (the modules after it stay fp32).
    public init(folder: URL, threads: Int? = nil, precision: ComputePrecision = .fp32) throws {
        self.folder = folder
        threadPool = ThreadPool(threads: threads)
        guard FileManager.default.fileExists(atPath: folder.path) else { throw PipelineError.missingFile(folder.path) }
        let config = try TransformerConfig.load(folder: folder)
        encoder = try TransformerEncoder(config: config, store: try TensorStore.load(folder: folder), precision: precision)

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
    ///
    /// Late chunking: where `spans[i]` is given, sequence `i` gives one vector per span (the mean of its
    /// final token states over the span, then the modules after Pooling) instead of the model's
    /// pooling; `sentenceEmbeddings` then holds those vectors in place of its one. A spanned sequence
    /// longer than its `windows[i].size` runs window by window (`LateWindow`), memory of one window.
    public func forward(_ ids: [[Int]], promptLengths: [Int], spans: [[Range<Int>]?]? = nil, windows: [LateWindow?]? = nil,
                        tokenEmbeddings: Bool = false) throws -> Output {
        precondition(promptLengths.count == ids.count, "one prompt length per sequence")
        precondition(spans == nil || spans!.count == ids.count, "one span list (or nil) per sequence")
        precondition(windows == nil || windows!.count == ids.count, "one window (or nil) per sequence")
        func isWindowed(_ i: Int) -> Bool {
            guard let window = windows?[i], let s = spans?[i] else { return false }
            return ids[i].count > window.size && !s.isEmpty
        }
        // Span means have the hidden width; a Pooling that concatenates modes would not.
        if spans?.contains(where: { $0 != nil }) == true && pooling.modes.count != 1 {
            throw PipelineError.invalidFile(file: folder.appendingPathComponent("modules.json").path,
                                            reason: "late chunking needs a Pooling of one mode; this model's is \(pooling.name)")
        }
        let direct = ids.indices.filter { !isWindowed($0) }
        let hidden = try encoder.forward(direct.map { ids[$0] }, pool: threadPool)
        let h = hidden.hiddenSize
        var pooled: [Float] = []
        pooled.reserveCapacity(ids.count * pooling.outputDimension)
        var rows = 0
        var k = 0
        for i in ids.indices {
            let skip = pooling.includePrompt ? 0 : promptLengths[i]
            if let s = spans?[i] {
                let spans = LatePooling.pooledSpans(s, skip: skip)
                if isWindowed(i) {
                    pooled += try LatePooling.windowedMeans(ids[i], window: windows![i]!, spans: spans, encoder: encoder, pool: threadPool)
                } else {
                    pooled += LatePooling.means(hidden.rows(of: k), width: h, spans: spans)
                    k += 1
                }
                rows += spans.count
            } else {
                pooled += pooling.pool(hidden.rows(of: k), length: ids[i].count, width: h, skip: promptLengths[i])
                k += 1
                rows += 1
            }
        }
        let width = pooling.outputDimension
        let sentences = applySentenceModules(pooled, rows: rows, width: width)
        var tokens: [[[Float]]]?
        if tokenEmbeddings {
            tokens = ids.indices.map { i in
                guard let k = direct.firstIndex(of: i) else { return [] }
                let r = hidden.rows(of: k)
                return (0..<ids[i].count).map { j in Array(r[r.startIndex + j * h ..< r.startIndex + (j + 1) * h]) }
            }
        }
        return Output(sentenceEmbeddings: sentences, tokenEmbeddings: tokens)
    }

    /// The modules after Pooling (Dense, Normalize) over `rows` pooled vectors of `width` values.
    func applySentenceModules(_ values: [Float], rows: Int, width start: Int) -> [[Float]] {
        var pooled = values
        var width = start
        var normalizeRows = false
        for module in sentenceModules {
            switch module {
            case .dense(let dense):
                if normalizeRows { pooled = Self.normalizedRows(pooled, width: width); normalizeRows = false }
                pooled = dense.apply(pooled, rows: rows, pool: threadPool)
                width = dense.outFeatures
            case .normalize:
                normalizeRows = true
            }
        }
        if normalizeRows { pooled = Self.normalizedRows(pooled, width: width) }
        return (0..<rows).map { Array(pooled[$0 * width ..< ($0 + 1) * width]) }
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
