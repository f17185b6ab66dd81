import ArgumentParser
import EmbedKit
import Foundation

/// `embedkit verify`: a model folder against stored reference outputs (golden.json format).
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a model against reference vectors and token ids (golden.json format); exit 1 past the tolerance.",
        discussion: """
            Prints a JSON report on stdout (passed, worst |Δ|, worst cosine, tokenization differences, config \
            differences) and a summary on stderr. Make a reference for any model with sentence-transformers: \
            scripts/make_reference.py MODEL OUT.json.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: "Reference file (default: golden.json in the model folder).")
    var reference: String?

    @Option(name: .long, help: "Largest |Δ| allowed per vector value (1e-4: fp32 parity).")
    var tolerance: Float = 1e-4

    @Option(name: .long, help: "Judge vectors by cosine to the reference instead of |Δ| (default: 0.999 at bf16, 0.97 at int8).")
    var minCosine: Double?

    func run() async throws {
        let model = try await modelOptions.load()
        let url: URL
        if let reference {
            url = URL(fileURLWithPath: reference)
        } else {
            let folder = URL(fileURLWithPath: modelOptions.model)
            url = folder.appendingPathComponent("golden.json")
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ValidationError("no --reference given and no golden.json in \(modelOptions.model)")
            }
        }
        let cosine = minCosine ?? model.defaultVerificationCosine
        let report = try model.verify(against: try ReferenceOutputs.load(url), tolerance: tolerance, minimumCosine: cosine)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
        Console.error(report.summary)
        if !report.passed { throw ExitCode(1) }
    }
}
