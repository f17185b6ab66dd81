import ArgumentParser
import EmbedKit
import Foundation

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

    /// `EMBEDKIT_KERNELS` applies to every command, before it parses its arguments.
    static func main() async {
        do {
            try KernelsOption.force(ProcessInfo.processInfo.environment["EMBEDKIT_KERNELS"])
        } catch {
            exit(withError: error)
        }
        await main(nil)
    }
}
