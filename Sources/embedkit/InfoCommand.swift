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
        let id = modelOptions.model, threads = modelOptions.threads
        let precision = try PrecisionOption.resolve(modelOptions.precision)
        let info: ModelInfo
        if try await CrossEncoder.isCrossEncoder(id) {
            info = try await CrossEncoder.load(id, threads: threads, precision: precision).info
        } else if try await SparseEncoder.isSparseEncoder(id) {
            info = try await SparseEncoder.load(id, threads: threads, precision: precision).info
        } else if try await BGEM3.isM3(id) {
            info = try await BGEM3.load(id, threads: threads, precision: precision).info
        } else {
            info = try await modelOptions.load().info
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(info), as: UTF8.self))
    }
}
