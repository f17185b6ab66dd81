import ArgumentParser
import EmbedKit
import Foundation

struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print one JSON array of numbers per input: sentence-transformers' encode output.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: "JSONL file with one JSON string per line ('-' for stdin).")
    var input: String?

    @Option(name: .long, help: "Token limit per input, special tokens included (default: the model's max_seq_length).")
    var maxLength: Int?

    @Option(name: .long, help: "Keep the first K dimensions (Matryoshka).")
    var dimensions: Int?

    @Flag(name: .long, help: "L2-normalize the output (models with a Normalize module always are).")
    var normalize = false

    @Option(name: .long, help: "Texts per batch.")
    var batchSize = 32

    @Option(name: .long, help: "Name of a prompt in config_sentence_transformers.json.")
    var promptName: String?

    @Option(name: .long, help: "A prompt prepended to every input.")
    var prompt: String?

    @Option(name: .long, help: "Inputs longer than the max length: truncate, error (exit 1), chunk-mean (one vector: the token-weighted mean of independent chunks). Per-chunk vectors: `embedkit chunk`.")
    var overflow: Overflow = .truncate

    @Flag(name: .long, help: "Print token embeddings (one JSON array of rows per input) instead of sentence embeddings.")
    var tokenEmbeddings = false

    @Argument(help: "Texts to embed (when --input is not given).")
    var texts: [String] = []

    func run() async throws {
        let inputs = try InputLines.read(file: input, arguments: texts)
        let model = try await modelOptions.load()
        var options = EncodeOptions(batchSize: batchSize, normalizeEmbeddings: normalize, maxLength: maxLength,
                                    prompt: prompt, promptName: promptName, truncateDimension: dimensions)
        options.progress = Console.progressBar(label: "embedding", total: inputs.count)
        if overflow == .chunk { throw ValidationError("--overflow chunk gives several vectors per input: use `embedkit chunk`") }
        options.overflow = overflow
        var out = ""
        if tokenEmbeddings {
            for rows in try model.encodeTokenEmbeddings(inputs, options: options) {
                out += "[" + rows.map(JSONVector.line).joined(separator: ",") + "]\n"
            }
        } else {
            for v in try model.encode(inputs, options: options) { out += JSONVector.line(v) + "\n" }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
