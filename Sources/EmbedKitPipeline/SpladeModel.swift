import EmbedKitCompute
import EmbedKitFormats
import EmbedKitModels
import Foundation

/// A SPLADE sparse encoder as sentence-transformers' `SparseEncoder` runs it: modules.json lists an
/// `MLMTransformer` (a `…ForMaskedLM` checkpoint) and a `SpladePooling` (its `pooling_strategy` and
/// `activation_function` in `<path>/config.json`). Module types are accepted under both the paths Hub
/// folders carry (`sentence_transformers.sparse_encoder.models.…`) and newer ones (`….base.modules.…`):
/// only the class name is read.
public final class SpladeModel: @unchecked Sendable {
    public let folder: URL
    public let encoder: TransformerEncoder
    public let head: MaskedLanguageModelHead
    public let pooling: MaskedLanguageModelHead.SpladePooling
    public let activation: MaskedLanguageModelHead.SpladeActivation
    public let threadPool: ThreadPool

    /// Whether modules.json in `folder` describes a SPLADE model (an MLMTransformer, then SpladePooling).
    public static func isSplade(folder: URL) -> Bool {
        guard let types = try? moduleTypes(folder) else { return false }
        return types.first?.0 == "MLMTransformer"
    }

    /// modules.json's (class name, path) pairs in order.
    static func moduleTypes(_ folder: URL) throws -> [(String, String)] {
        let url = folder.appendingPathComponent("modules.json")
        guard let entries = try JSONFile.array(url) else { return [] }
        return entries.sorted { (($0["idx"] as? Int) ?? 0) < (($1["idx"] as? Int) ?? 0) }.map {
            ((($0["type"] as? String) ?? "").split(separator: ".").last.map(String.init) ?? "", ($0["path"] as? String) ?? "")
        }
    }

    public init(folder: URL, threads: Int? = nil, precision: ComputePrecision = .fp32) throws {
        self.folder = folder
        threadPool = ThreadPool(threads: threads)
        let modulesFile = folder.appendingPathComponent("modules.json").path
        let types = try Self.moduleTypes(folder)
        guard types.count == 2, types[0].0 == "MLMTransformer", types[1].0 == "SpladePooling" else {
            throw PipelineError.invalidFile(file: modulesFile, reason: "a sparse encoder must list MLMTransformer then SpladePooling; this one lists \(types.map(\.0))")
        }
        let path = types[1].1
        guard !path.contains(".."), !path.hasPrefix("/") else {
            throw PipelineError.invalidFile(file: modulesFile, reason: "module path '\(path)' leaves the model folder")
        }
        let poolingFile = folder.appendingPathComponent(path).appendingPathComponent("config.json")
        let json = try JSONFile.object(poolingFile) ?? [:]
        let strategy = json["pooling_strategy"] as? String ?? "max"
        let act = json["activation_function"] as? String ?? "relu"
        guard let p = MaskedLanguageModelHead.SpladePooling(rawValue: strategy) else {
            throw PipelineError.invalidFile(file: poolingFile.path, reason: "pooling_strategy '\(strategy)'; supported: max, sum")
        }
        guard let a = MaskedLanguageModelHead.SpladeActivation(rawValue: act) else {
            throw PipelineError.invalidFile(file: poolingFile.path, reason: "activation_function '\(act)'; supported: relu, log1p_relu")
        }
        pooling = p
        activation = a
        let config = try TransformerConfig.load(folder: folder)
        let store = try TensorStore.load(folder: folder)
        encoder = try TransformerEncoder(config: config, store: store, precision: precision)
        head = try MaskedLanguageModelHead(config: config, store: store, precision: precision)
    }

    /// One batch of token-id sequences: each one's SPLADE vector (vocabulary-sized, dense).
    public func forward(_ ids: [[Int]]) throws -> [[Float]] {
        let hidden = try encoder.forward(ids, pool: threadPool)
        return head.splade(hidden, pooling: pooling, activation: activation, pool: threadPool)
    }
}
