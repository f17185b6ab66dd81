import ArgumentParser
import EmbedKit
import Foundation

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a model's architecture, dimension, max length, pooling, parameters and dtype as JSON.")

    @OptionGroup var modelOptions: ModelOptions

    /// The model's description, whichever kind it is: a cross-encoder (`kind` reranker), a SPLADE model
    /// (`kind` sparse), bge-m3 with its heads (`outputs` pooled, sparse, multi_vector), or an embedding model.
    func run() async throws {
        let folder = try await modelOptions.folder()
        let (id, threads) = (modelOptions.model, modelOptions.threads)
        let precision = try PrecisionOption.resolve(modelOptions.precision)
        let info: ModelInfo
        if CrossEncoder.isCrossEncoder(folder: folder) {
            info = try CrossEncoder.load(folder: folder, modelID: id, threads: threads, precision: precision).info
        } else if SparseEncoder.isSparseEncoder(folder: folder) {
            info = try SparseEncoder.load(folder: folder, modelID: id, threads: threads, precision: precision).info
        } else if BGEM3.isM3(folder: folder) {
            info = try BGEM3.load(folder: folder, modelID: id, threads: threads, precision: precision).info
        } else {
            info = try EmbeddingModel.load(folder: folder, modelID: id, threads: threads, precision: precision).info
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(info), as: UTF8.self))
    }
}
