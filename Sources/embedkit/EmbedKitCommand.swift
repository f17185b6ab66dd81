import ArgumentParser
import EmbedKit

@main
struct EmbedKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedkit",
        abstract: "Sentence embeddings from Hugging Face models, in Swift.",
        version: EmbedKitVersion.current,
        subcommands: [
            EmbedCommand.self, ChunkCommand.self, TokenizeCommand.self, SimilarityCommand.self, InfoCommand.self,
            BenchCommand.self, EvalCommand.self, VerifyCommand.self, ServeCommand.self, DownloadCommand.self, ModelsCommand.self,
            RerankCommand.self,
            SparseCommand.self,
            M3Command.self,
        ]
    )
}
