import ArgumentParser
import EmbedKit
import Foundation

/// `--model` and `--threads`, shared by the commands that load a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Model folder or Hugging Face Hub id (org/name[@revision]).")
    var model: String = EmbeddingModel.defaultModelID

    @Option(name: .long, help: "Compute threads (default: all cores).")
    var threads: Int?

    func load() async throws -> EmbeddingModel {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        return try await EmbeddingModel.load(model, threads: threads)
    }
}

/// Writes to standard error.
enum Console {
    static var isTerminal: Bool { isatty(2) != 0 }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// A progress callback drawing a one-line bar on stderr, or nil when stderr is not a terminal.
    static func progressBar(label: String, minimum: Int = 64, total: Int) -> (@Sendable (Int, Int) -> Void)? {
        guard isTerminal, total >= minimum else { return nil }
        return { done, all in
            let width = 30
            let filled = all > 0 ? done * width / all : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let end = done >= all ? "\n" : ""
            FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(all)\(end)".utf8))
        }
    }
}

/// JSON text for vectors: shortest round-trip decimal form of each Float.
enum JSONVector {
    static func line(_ v: [Float]) -> String {
        "[" + v.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]"
    }
}
