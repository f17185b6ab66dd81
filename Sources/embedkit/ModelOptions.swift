import ArgumentParser
import EmbedKit
import EmbedKitCompute
import Foundation
import EmbedKitHub

/// `--model` and `--threads`, shared by the commands that load a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Model folder or Hugging Face Hub id (org/name[@revision]).")
    var model: String = EmbeddingModel.defaultModelID

    @Option(name: .long, help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: PrecisionOption.help)
    var precision: String?

    func load() async throws -> EmbeddingModel {
        try EmbeddingModel.load(folder: try await folder(), modelID: model, threads: threads, precision: try PrecisionOption.resolve(precision))
    }

    /// `--model`'s local folder (a Hub id downloaded, with a progress bar), after the options are checked:
    /// an unsupported precision fails before any download.
    func folder() async throws -> URL {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        _ = try PrecisionOption.resolve(precision).resolved()
        let bar = ProgressBar(label: model)
        defer { bar.finish() }
        return try await EmbeddingModel.folder(model, downloadProgress: bar.callback())
    }

    /// The model's text preparation alone (tokenizer and sentence-transformers settings; no weights read).
    func loadTextPreparation() async throws -> TextPreparation {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        return try await TextPreparation.load(model, threads: threads)
    }
}

/// `--batch-size`, `--threads` and `--precision` of the commands that load a model of their own kind
/// (`rerank`, `sparse`; their `--model` has no default).
struct ComputeOptions: ParsableArguments {
    @Option(name: .long, help: "Inputs per forward pass.")
    var batchSize = 32

    @Option(name: .long, help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: PrecisionOption.help)
    var precision: String?

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func resolvedPrecision() throws -> Precision { try PrecisionOption.resolve(precision) }
}

/// `--precision` (or `EMBEDKIT_PRECISION`): what the model computes in.
enum PrecisionOption {
    static let help: ArgumentHelp = "fp32 (default: sentence-transformers' exact vectors), bf16 (AVX512-BF16 CPUs: faster, half the weight memory, no measurable STS-B loss), int8 (CPUs with AVX2, AVX512-VNNI or the ARM dot product: fastest, ~0.002 STS-B Spearman lost) or auto (bf16 where the CPU has it, else fp32). [EMBEDKIT_PRECISION]"

    static func resolve(_ flag: String?) throws -> Precision {
        do {
            if let flag { return try Precision(parsing: flag) }
            return try Precision.fromEnvironment(ProcessInfo.processInfo.environment) ?? .fp32
        } catch let error as EmbedKitError {
            throw ValidationError(error.description)
        }
    }
}

/// `--kernels` (bench) or `EMBEDKIT_KERNELS` (every command): the kernel family to run instead of the
/// fastest this CPU has, to measure or check what a CPU with fewer extensions gets (reduced precisions
/// then follow that family: `avx2` has int8 but not bf16).
enum KernelsOption {
    static func force(_ name: String?) throws {
        guard let name, !name.isEmpty else { return }
        guard let family = ComputeBackend(rawValue: name) else {
            throw ValidationError("kernels: expected \(ComputeBackend.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name)'")
        }
        do { try ComputeBackend.force(family) } catch { throw ValidationError("kernels \(name): \(error)") }
    }
}

/// Writes to standard error.
enum Console {
    static var isTerminal: Bool { isatty(2) != 0 }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// A progress callback drawing a one-line bar on stderr for jobs of at least `minimum` items, or nil
    /// when stderr is not a terminal.
    static func progressBar(label: String, minimum: Int = 64, total: Int) -> (@Sendable (Int, Int) -> Void)? {
        total >= minimum ? ProgressBar(label: label, unit: .items("texts")).itemCallback() : nil
    }
}

