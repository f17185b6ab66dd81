import ArgumentParser
import EmbedKit
import Foundation

struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print one JSON array of numbers per input: sentence-transformers' encode output.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var inputs: InputOptions

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

    @Option(name: .long, help: "Bulk job: write the vectors to this .npy (float32, ids of {\"id\", \"text\"} rows in NAME.ids.jsonl) or .jsonl file, streaming in bounded memory with a checkpoint (see --resume).")
    var output: String?

    @Flag(name: .long, help: "Continue an interrupted bulk job from its checkpoint (NAME.checkpoint.json beside --output).")
    var resume = false

    @Option(name: .long, help: "Bulk job: embed only part i of n (0-based, contiguous rows; the n outputs concatenated in order are the whole corpus's).")
    var shard: Shard?

    @Option(name: .long, help: "Bulk job: rows per window; the output is synced and checkpointed after each.")
    var checkpointRows = 256

    func run() async throws {
        if overflow == .chunk { throw ValidationError("--overflow chunk gives several vectors per input: use `embedkit chunk`") }
        if output != nil { return try await runBulk() }
        if resume || shard != nil { throw ValidationError("--resume and --shard are for bulk jobs: give --output FILE.npy|.jsonl") }
        let rows = try inputs.rows()
        let model = try await modelOptions.load()
        if tokenEmbeddings {
            var out = ""
            for matrix in try model.encodeTokenEmbeddings(rows.map { try $0.text.get() }, options: options()) {
                out += "[" + matrix.map(JSONText.vector).joined(separator: ",") + "]\n"
            }
            return FileHandle.standardOutput.write(Data(out.utf8))
        }
        var request = EmbeddingRequest(inputs: [], options: options())
        request.options.progress = Console.progressBar(label: "embedding", total: rows.count)
        request.precision = encodingFormat
        let sizes = dimensions?.sizes ?? []
        if sizes.count > 1 { request.renormalizedSizes(sizes, modelNormalizes: model.info.normalize) }
        let (results, _) = try model.embed(rows, request, file: inputs.input)
        let format = JSONLines(keyedSizes: sizes.count > 1 ? sizes : nil)
        FileHandle.standardOutput.write(Data(format.encode(rows, results).data))
        var failures = RowFailures()
        failures.note(results)
        try failures.finish()
    }

    /// The encode options of the flags.
    func options() -> EncodeOptions {
        let sizes = dimensions?.sizes ?? []
        var options = EncodeOptions(batchSize: batchSize, normalizeEmbeddings: normalize, maxLength: maxLength,
                                    prompt: prompt, promptName: promptName, truncateDimension: sizes.count == 1 ? sizes[0] : nil)
        options.overflow = overflow
        return options
    }

    /// `--output`: a streaming, resumable job over a corpus file; prints a JSON summary.
    func runBulk() async throws {
        guard let output, let input = inputs.input, input != "-", inputs.texts.isEmpty else {
            throw ValidationError("--output needs --input FILE (a file, not stdin or arguments: the job seeks in it to resume)")
        }
        if tokenEmbeddings { throw ValidationError("--output writes sentence embeddings; --token-embeddings prints to stdout only") }
        if (dimensions?.sizes.count ?? 1) > 1 { throw ValidationError("--output takes one --dimensions size (run once per size)") }
        if encodingFormat != .float32 {
            throw ValidationError("--output writes float32 vectors (int8/uint8 ranges need the whole corpus; quantize afterwards)")
        }
        let model = try await modelOptions.load()
        let options = options()
        let settings = [
            "model": modelOptions.model, "precision": model.info.precision, "normalize": String(normalize),
            "max_length": maxLength.map(String.init) ?? "default", "prompt": prompt ?? "", "prompt_name": promptName ?? "",
            "overflow": overflow.rawValue, "batch_size": String(batchSize),
        ]
        let job = BulkJob(model: model, options: options, input: input, output: output, shard: shard ?? Shard(index: 0, count: 1),
                          resume: resume, windowRows: checkpointRows, settings: settings)
        let summary = try job.run()
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        if summary.failedThisRun > 0 { throw ExitCode(1) }
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
