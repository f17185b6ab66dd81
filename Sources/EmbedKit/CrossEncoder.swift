import EmbedKitCompute
import EmbedKitPipeline
import EmbedKitTokenizers
import Foundation

/// A reranker, as sentence-transformers' `CrossEncoder` runs it: each (query, document) pair stripped,
/// tokenized as one pair (`[CLS] query [SEP] document [SEP]`, the document's tokens of type 1), cut to
/// the max length by HF's `longest_first` rule, and scored by the checkpoint's classification head;
/// `predict` applies the model's activation (sigmoid for a one-label head) unless asked for raw logits.
public final class CrossEncoder: @unchecked Sendable {
    public let tokenizer: Tokenizer
    let classifier: SequenceClassifier
    /// The Hub id or folder name the model was loaded as.
    public let modelID: String
    /// Tokens per pair, special tokens included: tokenizer_config.json's `model_max_length` (what
    /// `CrossEncoder` truncates to), at most the model's position embeddings.
    public let maxLength: Int

    /// One document's place in the input and its score.
    public struct Ranked: Sendable, Equatable {
        public let index: Int
        public let score: Float
    }

    init(classifier: SequenceClassifier, tokenizer: Tokenizer, modelID: String) {
        self.classifier = classifier
        self.tokenizer = tokenizer
        self.modelID = modelID
        let positions = classifier.encoder.maximumSequenceLength ?? Int.max
        maxLength = min(tokenizer.modelMaxLength ?? positions, positions)
    }

    /// Loads a cross-encoder from a local folder, or from the Hub for an `org/name[@revision]` id.
    public static func load(_ pathOrID: String, threads: Int? = nil, precision: Precision = .fp32) async throws -> CrossEncoder {
        _ = try precision.resolved()
        let folder = try await ModelLocation.folder(pathOrID, progress: nil)
        return try load(folder: folder, modelID: pathOrID, threads: threads, precision: precision)
    }

    /// Loads a cross-encoder (a `…ForSequenceClassification` checkpoint with one label) from a folder.
    public static func load(folder: URL, modelID: String? = nil, threads: Int? = nil, precision: Precision = .fp32) throws -> CrossEncoder {
        let compute = try EmbeddingModel.computePrecision(precision, threads: threads)
        guard SequenceClassifier.isClassifier(folder: folder) else {
            throw EmbedKitError.invalidOption("\(folder.lastPathComponent) is not a cross-encoder (config.json names no …ForSequenceClassification architecture): embed with EmbeddingModel / `embedkit embed`")
        }
        return try EmbedKitError.wrapping {
            CrossEncoder(classifier: try SequenceClassifier(folder: folder, threads: threads, precision: compute),
                         tokenizer: try Tokenizer.load(from: folder), modelID: modelID ?? folder.lastPathComponent)
        }
    }

    /// The token ids and type ids the model reads for a pair.
    public func encode(query: String, document: String) throws -> Encoding {
        try EmbedKitError.wrapping {
            try tokenizer.encodePair(PythonString.strip(query), PythonString.strip(document), maxLength: maxLength)
        }
    }

    /// One score per pair, in order: `CrossEncoder.predict` with its default activation, or the raw
    /// logits when `rawScores`.
    public func predict(_ pairs: [(query: String, document: String)], rawScores: Bool = false, batchSize: Int = 32) throws -> [Float] {
        guard batchSize >= 1 else { throw EmbedKitError.invalidOption("batch size must be at least 1 (got \(batchSize))") }
        var scores: [Float] = []
        scores.reserveCapacity(pairs.count)
        for start in stride(from: 0, to: pairs.count, by: batchSize) {
            let encodings = try pairs[start ..< min(pairs.count, start + batchSize)].map { try encode(query: $0.query, document: $0.document) }
            let logits = try EmbedKitError.wrapping { try classifier.logits(encodings.map(\.ids), typeIds: encodings.map(\.typeIds)) }
            scores += rawScores ? logits : logits.map(classifier.activation.callAsFunction)
        }
        return scores
    }

    /// `documents` scored against `query`: every document in input order, or with `topN` the best
    /// `topN`, best first (ties: the earlier document first).
    public func rerank(query: String, documents: [String], topN: Int? = nil, rawScores: Bool = false, batchSize: Int = 32) throws -> [Ranked] {
        if let topN, topN < 1 { throw EmbedKitError.invalidOption("top-n must be at least 1 (got \(topN))") }
        let scores = try predict(documents.map { (query, $0) }, rawScores: rawScores, batchSize: batchSize)
        let ranked = scores.enumerated().map { Ranked(index: $0.offset, score: $0.element) }
        guard let topN else { return ranked }
        return Array(ranked.sorted { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }.prefix(topN))
    }
}
