import EmbedKitCompute
import EmbedKitPipeline
import EmbedKitTokenizers
import Foundation

/// A reranker, as sentence-transformers' `CrossEncoder` runs it: each (query, document) pair stripped,
/// tokenized as one pair (`[CLS] query [SEP] document [SEP]`, the document's tokens of type 1), cut to
/// the max length by HF's `longest_first` rule, and scored by the checkpoint's classification head;
/// `predict` applies the model's activation (sigmoid for a one-label head) unless asked for raw logits.
public final class CrossEncoder: @unchecked Sendable {
    public var tokenizer: Tokenizer { textPreparation.tokenizer }
    /// The tokenizer and the model's limits (a cross-encoder has no prompts).
    public let textPreparation: TextPreparation
    let classifier: SequenceClassifier
    /// The Hub id or folder name the model was loaded as.
    public var modelID: String { info.modelID }
    /// Tokens per pair, special tokens included: tokenizer_config.json's `model_max_length` (what
    /// `CrossEncoder` truncates to), at most the model's position embeddings.
    public let maxLength: Int
    /// What `/info` and `embedkit info` report (`kind` "reranker", `dimension` 1: one score per pair).
    public let info: ModelInfo

    /// What happens to a pair longer than `maxLength`.
    public enum LongDocuments: Sendable, Equatable {
        /// Cut by HF's `longest_first` rule, as sentence-transformers' `CrossEncoder` does (the default).
        case truncate
        /// The query kept whole and the document cut into consecutive windows that each fit beside it;
        /// the document's score is its best window's.
        case bestChunk
    }

    /// One document's place in the input and its score.
    public struct Ranked: Sendable, Equatable {
        public let index: Int
        public let score: Float
        /// Windows the document was scored in (`LongDocuments.bestChunk`); 1 when it fit.
        public var chunks: Int = 1
        /// Whether tokens were cut off the pair (`LongDocuments.truncate`).
        public var truncated: Bool = false

        public init(index: Int, score: Float, chunks: Int = 1, truncated: Bool = false) {
            self.index = index
            self.score = score
            self.chunks = chunks
            self.truncated = truncated
        }
    }

    init(classifier: SequenceClassifier, textPreparation: TextPreparation, modelID: String) {
        self.classifier = classifier
        self.textPreparation = textPreparation
        let positions = classifier.encoder.maximumSequenceLength ?? Int.max
        let tokenizer = textPreparation.tokenizer
        maxLength = min(tokenizer.modelMaxLength ?? positions, positions)
        let config = classifier.encoder.config
        info = ModelInfo(
            modelID: modelID, architecture: config.architecture.rawValue, family: config.architecture.description, dimension: 1, maxSequenceLength: maxLength,
            pooling: "cls", normalize: false, modules: ["Transformer", "SequenceClassification(\(classifier.activation.name))"],
            parameters: classifier.encoder.parameterCount + classifier.head.parameterCount, dtype: classifier.encoder.storedDType,
            layers: config.layers, hiddenSize: config.hiddenSize, heads: config.heads, vocabularySize: config.vocabularySize,
            prompts: [:], defaultPromptName: nil, matryoshkaDimensions: nil,
            precision: classifier.encoder.precision.rawValue, weightBytes: classifier.encoder.weightBytes, kind: .reranker, outputs: [.pooled])
    }

    /// Loads a cross-encoder from a local folder, or from the Hub for an `org/name[@revision]` id.
    public static func load(_ pathOrID: String, threads: Int? = nil, precision: Precision = .fp32) async throws -> CrossEncoder {
        _ = try precision.resolved()
        let folder = try await ModelLocation.folder(pathOrID, progress: nil)
        return try load(folder: folder, modelID: pathOrID, threads: threads, precision: precision)
    }

    /// Whether `folder` holds a cross-encoder (config.json names a `…ForSequenceClassification`
    /// architecture and there is no modules.json making it a sentence-transformers embedder).
    public static func isCrossEncoder(folder: URL) -> Bool {
        SequenceClassifier.isClassifier(folder: folder)
            && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("modules.json").path)
    }

    /// Loads a cross-encoder (a `…ForSequenceClassification` checkpoint with one label) from a folder.
    public static func load(folder: URL, modelID: String? = nil, threads: Int? = nil, precision: Precision = .fp32) throws -> CrossEncoder {
        let compute = try EmbeddingModel.computePrecision(precision, threads: threads)
        guard SequenceClassifier.isClassifier(folder: folder) else {
            throw EmbedKitError.invalidOption("\(folder.lastPathComponent) is not a cross-encoder (config.json names no …ForSequenceClassification architecture): embed with EmbeddingModel / `embedkit embed`")
        }
        return try EmbedKitError.wrapping {
            CrossEncoder(classifier: try SequenceClassifier(folder: folder, threads: threads, precision: compute),
                         textPreparation: try TextPreparation(folder: folder, threads: threads),
                         modelID: modelID ?? folder.lastPathComponent)
        }
    }

    /// The token ids and type ids the model reads for a pair.
    public func encode(query: String, document: String) throws -> Encoding {
        try EmbedKitError.wrapping {
            try tokenizer.encodePair(PythonString.strip(query), PythonString.strip(document), maxLength: maxLength)
        }
    }

    /// A pair as the engine runs it: one input, or with `.bestChunk` one per window of a long document.
    /// `maxLength` (nil: the model's) bounds each pair, special tokens included. Throws
    /// `EmbedKitError.queryTooLong` when, with `.bestChunk`, the query leaves no room for the document.
    public func prepare(query: String, document: String, longDocuments: LongDocuments = .truncate,
                        maxLength: Int? = nil) throws -> [PreparedInput] {
        let limit = min(maxLength ?? self.maxLength, self.maxLength)
        let (q, d) = (PythonString.strip(query), PythonString.strip(document))
        return try EmbedKitError.wrapping {
            switch longDocuments {
            case .truncate:
                let (e, cut) = try tokenizer.encodePairTruncating(q, d, maxLength: limit)
                return [PreparedInput(ids: e.ids, promptLength: 0, truncated: cut, typeIds: e.typeIds)]
            case .bestChunk:
                guard let windows = try tokenizer.encodePairWindows(q, d, maxLength: limit) else {
                    let added = tokenizer.numSpecialTokensPair ?? 0
                    throw EmbedKitError.queryTooLong(tokens: tokenizer.sequenceLength(q), limit: max(0, limit - added - 1))
                }
                return windows.map { PreparedInput(ids: $0.ids, promptLength: 0, truncated: false, typeIds: $0.typeIds) }
            }
        }
    }

    /// The engine core: one forward pass over prepared pairs, as given; one raw logit per input.
    public func forward(_ inputs: [PreparedInput]) throws -> [[Float]] {
        try EmbedKitError.wrapping {
            try classifier.logits(inputs.map(\.ids), typeIds: inputs.map { $0.typeIds ?? Array(repeating: 0, count: $0.ids.count) })
        }.map { [$0] }
    }

    /// The model's activation of a raw logit (sigmoid for a one-label head): `predict`'s score.
    public func score(logit: Float) -> Float { classifier.activation(logit) }

    /// Bytes a forward pass of `tokens` tokens (longest input `longest`) allocates beyond the weights.
    public func activationBytes(tokens: Int, longest: Int) -> Int {
        classifier.encoder.activationBytes(tokens: tokens, longest: longest, threads: classifier.threadPool.threads)
    }

    /// One score per pair, in order: `CrossEncoder.predict` with its default activation, or the raw
    /// logits when `rawScores`.
    public func predict(_ pairs: [(query: String, document: String)], rawScores: Bool = false, batchSize: Int = 32) throws -> [Float] {
        guard batchSize >= 1 else { throw EmbedKitError.invalidOption("batch size must be at least 1 (got \(batchSize))") }
        var scores: [Float] = []
        scores.reserveCapacity(pairs.count)
        for start in stride(from: 0, to: pairs.count, by: batchSize) {
            let inputs = try pairs[start ..< min(pairs.count, start + batchSize)].flatMap { try prepare(query: $0.query, document: $0.document) }
            scores += try forward(inputs).map { rawScores ? $0[0] : score(logit: $0[0]) }
        }
        return scores
    }

    /// `documents` scored against `query`: every document in input order, or with `topN` the best
    /// `topN`, best first (ties: the earlier document first). With `.bestChunk`, a document longer than
    /// a pair holds scores as its best window.
    public func rerank(query: String, documents: [String], topN: Int? = nil, rawScores: Bool = false, batchSize: Int = 32,
                       longDocuments: LongDocuments = .truncate) throws -> [Ranked] {
        if let topN, topN < 1 { throw EmbedKitError.invalidOption("top-n must be at least 1 (got \(topN))") }
        guard batchSize >= 1 else { throw EmbedKitError.invalidOption("batch size must be at least 1 (got \(batchSize))") }
        let pairs = try documents.map { try prepare(query: query, document: $0, longDocuments: longDocuments) }
        let flat = pairs.flatMap { $0 }
        var logits: [Float] = []
        logits.reserveCapacity(flat.count)
        for start in stride(from: 0, to: flat.count, by: batchSize) {
            logits += try forward(Array(flat[start ..< min(flat.count, start + batchSize)])).map { $0[0] }
        }
        return Self.top(Self.ranked(logits, of: pairs, score: rawScores ? { $0 } : score(logit:)), topN)
    }

    /// Each document in input order, scored by `score` of its best window's logit (`logits` in the
    /// order of `pairs`' inputs, one per window): how the library and the server rank.
    public static func ranked(_ logits: [Float], of pairs: [[PreparedInput]], score: (Float) -> Float) -> [Ranked] {
        best(logits, of: pairs).enumerated().map { i, best in
            Ranked(index: i, score: score(best.logit), chunks: pairs[i].count, truncated: pairs[i].contains(where: \.truncated))
        }
    }

    /// Per document, the highest of its windows' logits (`logits` in the order of `pairs`' inputs).
    static func best(_ logits: [Float], of pairs: [[PreparedInput]]) -> [(logit: Float, window: Int)] {
        var k = 0
        return pairs.map { windows in
            defer { k += windows.count }
            let scores = logits[k ..< k + windows.count]
            let i = scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) } ?? k
            return (scores[i], i - k)
        }
    }

    /// `ranked` in input order, or its best `topN`, best first (ties: the earlier document first).
    public static func top(_ ranked: [Ranked], _ topN: Int?) -> [Ranked] {
        guard let topN else { return ranked }
        return Array(ranked.sorted { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }.prefix(topN))
    }
}
