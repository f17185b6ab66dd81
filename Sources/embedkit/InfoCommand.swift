import ArgumentParser
import EmbedKit
import Foundation

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a model's architecture, dimension, max length, pooling, parameters and dtype as JSON.")

    @OptionGroup var modelOptions: ModelOptions

    func run() async throws {
        let model = try await modelOptions.load()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(model.info), as: UTF8.self))
    }
}
