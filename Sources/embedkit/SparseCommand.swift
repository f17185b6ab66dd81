import ArgumentParser
import EmbedKit
import Foundation

/// `embedkit sparse`: a SPLADE model's sparse vector of each input. Prints one JSON line per input,
/// `{"indices": [...], "values": [...]}`, indices ascending, as sentence-transformers'
/// `SparseEncoder.encode` gives them. Other tools read this output: keep it exactly so.
struct SparseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparse",
        abstract: "Sparse vectors (SPLADE) over the model's vocabulary, as sentence-transformers' SparseEncoder.encode.")

    @Option(name: .long, help: "Sparse encoder folder or Hugging Face Hub id (modules.json: MLMTransformer + SpladePooling).")
    var model: String

    @OptionGroup var inputs: InputOptions

    @Option(name: .long, help: "A prompt of the model's config_sentence_transformers.json (e.g. query, document).")
    var promptName: String?

    @Option(name: .long, help: "Keep only the K largest weights of each vector (SparseEncoder's max_active_dims).")
    var maxActiveDims: Int?

    @Option(name: .long, help: "Debugging: add \"tokens\", the K largest entries as [token text, value], largest first.")
    var showTokens: Int?

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if let maxActiveDims, maxActiveDims < 1 { throw ValidationError("--max-active-dims must be at least 1") }
        if let showTokens, showTokens < 1 { throw ValidationError("--show-tokens must be at least 1") }
    }

    func run() async throws {
        let texts = try inputs.allTexts()
        guard !texts.isEmpty else { throw ValidationError("give at least one text (--input FILE or TEXT arguments)") }
        let encoder = try await SparseEncoder.load(model, threads: compute.threads, precision: try compute.resolvedPrecision())
        for v in try encoder.encode(texts, promptName: promptName, maxActiveDims: maxActiveDims, batchSize: compute.batchSize) {
            var line = "{\"indices\":[\(v.indices.map(String.init).joined(separator: ","))],\"values\":[\(v.values.map(\.description).joined(separator: ","))]"
            if let k = showTokens {
                line += ",\"tokens\":[" + encoder.tokens(of: v, topK: k).map { "[\(JSONText.quote($0.token)),\($0.value)]" }.joined(separator: ",") + "]"
            }
            print(line + "}")
        }
    }
}
