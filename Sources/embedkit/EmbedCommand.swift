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

    @Option(name: .long, help: "Keep the first K dimensions (Matryoshka); several sizes as K1,K2,... print {\"K1\": [...], \"K2\": [...]} per input, each renormalized.")
    var dimensions: DimensionList?

    @Option(name: .long, help: "float, or sentence-transformers' quantize_embeddings precisions: int8, uint8 (ranges: each dimension's min and max over all the inputs), binary, ubinary (sign bits packed 8 per byte).")
    var encodingFormat: EmbeddingPrecision = .float32

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
        let sizes = dimensions?.sizes ?? []
        var options = EncodeOptions(batchSize: batchSize, normalizeEmbeddings: normalize, maxLength: maxLength,
                                    prompt: prompt, promptName: promptName, truncateDimension: sizes.count == 1 ? sizes[0] : nil)
        options.progress = Console.progressBar(label: "embedding", total: inputs.count)
        if overflow == .chunk { throw ValidationError("--overflow chunk gives several vectors per input: use `embedkit chunk`") }
        options.overflow = overflow
        var out = ""
        if tokenEmbeddings {
            for rows in try model.encodeTokenEmbeddings(inputs, options: options) {
                out += "[" + rows.map(JSONVector.line).joined(separator: ",") + "]\n"
            }
        } else if sizes.count > 1 {
            // [text][size] → per size, every text's vector (int8/uint8 ranges are per size).
            let perText = try model.encode(inputs, dimensions: sizes, options: options)
            let perSize = try sizes.indices.map { k in try Self.lines(perText.map { $0[k] }, encodingFormat) }
            for i in inputs.indices {
                out += "{" + sizes.indices.map { k in "\"\(sizes[k])\":" + perSize[k][i] }.joined(separator: ",") + "}\n"
            }
        } else {
            for line in try Self.lines(try model.encode(inputs, options: options), encodingFormat) { out += line + "\n" }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// One JSON array per vector: floats, or the integers of `format` over all of `vectors`.
    static func lines(_ vectors: [[Float]], _ format: EmbeddingPrecision) throws -> [String] {
        if format == .float32 { return vectors.map(JSONVector.line) }
        return try Quantization.quantize(vectors, precision: format).map { "[" + $0.map(String.init).joined(separator: ",") + "]" }
    }
}

extension EmbeddingPrecision: ExpressibleByArgument {}

/// `--dimensions K` or `K1,K2,...`.
struct DimensionList: ExpressibleByArgument {
    let sizes: [Int]
    init?(argument: String) {
        let parts = argument.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, !parts.contains(nil) else { return nil }
        sizes = parts.compactMap { $0 }
    }
}
