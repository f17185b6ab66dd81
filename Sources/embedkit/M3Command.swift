import ArgumentParser
import EmbedKit
import Foundation

/// `embedkit m3`: bge-m3's dense, sparse and ColBERT outputs of each input from one forward pass, as
/// FlagEmbedding's `BGEM3FlagModel.encode` gives them. One JSON line per input:
/// `{"dense": [...], "sparse": {"indices": [...], "values": [...]}, "colbert": [[...], ...]}` (the
/// outputs `--outputs` names).
struct M3Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "m3",
        abstract: "bge-m3's dense, sparse (lexical weights) and ColBERT multi-vector outputs in one pass, as FlagEmbedding's BGEM3FlagModel.")

    @Option(name: .long, help: "bge-m3 folder or Hugging Face Hub id (colbert_linear.pt and sparse_linear.pt beside the encoder).")
    var model: String

    @OptionGroup var inputs: InputOptions

    @Option(name: .long, help: "Which outputs to print, comma-separated: dense, sparse, colbert.")
    var outputs = "dense,sparse,colbert"

    @Option(name: .long, help: "Tokens per input at most (default: the model's max_seq_length; FlagEmbedding's encode defaults to 512).")
    var maxLength: Int?

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        let known: Set = ["dense", "sparse", "colbert"]
        let chosen = outputs.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !chosen.isEmpty, chosen.allSatisfy(known.contains) else {
            throw ValidationError("--outputs takes dense, sparse and colbert, comma-separated (got '\(outputs)')")
        }
    }

    func run() async throws {
        let texts = try inputs.allTexts()
        guard !texts.isEmpty else { throw ValidationError("give at least one text (--input FILE or TEXT arguments)") }
        let chosen = Set(outputs.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        let m3 = try await BGEM3.load(model, threads: compute.threads, precision: try compute.resolvedPrecision())
        for out in try m3.encode(texts, maxLength: maxLength, batchSize: compute.batchSize) {
            var fields: [String] = []
            if chosen.contains("dense") { fields.append("\"dense\":\(JSONText.vector(out.dense))") }
            if chosen.contains("sparse") {
                fields.append("\"sparse\":{\"indices\":\(JSONText.integers(out.sparse.indices)),\"values\":\(JSONText.vector(out.sparse.values))}")
            }
            if chosen.contains("colbert") { fields.append("\"colbert\":[\(out.colbert.map(JSONText.vector).joined(separator: ","))]") }
            print("{" + fields.joined(separator: ",") + "}")
        }
    }
}
