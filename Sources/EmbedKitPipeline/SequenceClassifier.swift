import EmbedKitCompute
import EmbedKitFormats
import EmbedKitModels
import Foundation

/// A `…ForSequenceClassification` checkpoint (a cross-encoder): the encoder, its classification head,
/// and the activation sentence-transformers' `CrossEncoder` applies to the logits.
public final class SequenceClassifier: @unchecked Sendable {
    /// What `CrossEncoder.predict` applies to the logits by default.
    public enum Activation: String, Sendable {
        case sigmoid = "torch.nn.modules.activation.Sigmoid"
        case identity = "torch.nn.modules.linear.Identity"

        /// "Sigmoid" or "Identity".
        public var name: String { self == .sigmoid ? "Sigmoid" : "Identity" }

        /// The activation of one logit.
        public func callAsFunction(_ logit: Float) -> Float {
            switch self {
            case .sigmoid: return 1 / (1 + exp(-logit))
            case .identity: return logit
            }
        }
    }

    public let folder: URL
    public let encoder: TransformerEncoder
    public let head: SequenceClassificationHead
    public let activation: Activation
    public let threadPool: ThreadPool

    /// Whether config.json in `folder` describes a sequence-classification checkpoint.
    public static func isClassifier(folder: URL) -> Bool {
        guard let json = try? JSONFile.object(folder.appendingPathComponent("config.json")) else { return false }
        return (json["architectures"] as? [String] ?? []).contains { $0.hasSuffix("ForSequenceClassification") }
    }

    public init(folder: URL, threads: Int? = nil, precision: ComputePrecision = .fp32) throws {
        self.folder = folder
        threadPool = ThreadPool(threads: threads)
        let url = folder.appendingPathComponent("config.json")
        guard let json = try JSONFile.object(url) else { throw PipelineError.missingFile(url.path) }
        let labels = (json["id2label"] as? [String: Any])?.count ?? (json["num_labels"] as? NSNumber)?.intValue ?? 2
        guard labels == 1 else {
            throw PipelineError.invalidFile(file: url.path, reason: "a cross-encoder with \(labels) labels; supported: one label (a reranker's relevance score)")
        }
        // sentence-transformers 3 writes `sbert_ce_default_activation_function`, 4 and later
        // `sentence_transformers.activation_fn`; without either, one label means sigmoid.
        let named = json["sbert_ce_default_activation_function"] as? String
            ?? (json["sentence_transformers"] as? [String: Any])?["activation_fn"] as? String
        if let named {
            guard let a = Activation(rawValue: named) else {
                throw PipelineError.invalidFile(file: url.path, reason: "activation '\(named)'; supported: \(Activation.sigmoid.rawValue), \(Activation.identity.rawValue)")
            }
            activation = a
        } else {
            activation = .sigmoid
        }
        let config = try TransformerConfig.load(folder: folder)
        let store = try TensorStore.load(folder: folder)
        encoder = try TransformerEncoder(config: config, store: store, precision: precision)
        head = try SequenceClassificationHead(config: config, store: store, labels: labels)
    }

    /// One batch of token-id sequences with their type ids: the first logit of each.
    public func logits(_ ids: [[Int]], typeIds: [[Int]]) throws -> [Float] {
        let hidden = try encoder.forward(ids, tokenTypes: typeIds, pool: threadPool)
        return head.logits(hidden, pool: threadPool).map { $0[0] }
    }
}
