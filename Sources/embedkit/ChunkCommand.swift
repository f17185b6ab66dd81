import ArgumentParser
import EmbedKit
import Foundation

extension ChunkPooling: ExpressibleByArgument {}
extension Overflow: ExpressibleByArgument {}

/// `--boundaries tokens|sentences`.
enum ChunkBoundaryOption: String, ExpressibleByArgument, CaseIterable {
    case tokens, sentences
    var boundaries: ChunkBoundaries { self == .tokens ? .tokens : .sentences }
}

struct ChunkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chunk",
        abstract: "Split long texts into chunks with the model's tokenizer and embed each chunk (late chunking by default).",
        discussion: """
            Prints one JSON line per input: {"chunks": [{"start": s, "end": e, "token_start": a, "token_end": b, \
            "embedding": [...]}, ...]}. start/end are Unicode-scalar offsets into the input as given; token_start/\
            token_end index the model input of the whole text, special tokens included ([CLS] is 0). Without \
            overlap the spans tile [0, sequence length) in order.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var inputs: InputOptions

    @Option(name: .long, help: "Tokens per chunk at most (special tokens not counted).")
    var chunkTokens: Int

    @Option(name: .long, help: "Tokens a chunk repeats from the previous one, at most.")
    var overlap = 0

    @Option(name: .long, help: "Where chunks may end: tokens (between words) or sentences (whole sentences packed).")
    var boundaries: ChunkBoundaryOption = .tokens

    @Option(name: .long, help: "late: one pass over the whole text, each chunk the mean of its token states; independent: each chunk embedded alone.")
    var pooling: ChunkPooling = .late

    @Option(name: .long, help: "Late chunking past the max length: tokens of left context each window re-reads (default: max length / 4, at most 256).")
    var windowOverlap: Int?

    @Option(name: .long, help: "Token limit per forward pass window (default: the model's max_seq_length).")
    var maxLength: Int?

    @Option(name: .long, help: "Keep the first K dimensions (Matryoshka).")
    var dimensions: Int?

    @Flag(name: .long, help: "L2-normalize each chunk vector (models with a Normalize module always are).")
    var normalize = false

    @Option(name: .long, help: "Name of a prompt in config_sentence_transformers.json.")
    var promptName: String?

    func run() async throws {
        let rows = try inputs.rows()
        let model = try await modelOptions.load()
        let chunking = ChunkingOptions(chunkTokens: chunkTokens, overlap: overlap, boundaries: boundaries.boundaries,
                                       pooling: pooling, windowOverlap: windowOverlap)
        let request = EmbeddingRequest(inputs: [], output: .chunks(chunking),
                                       options: EncodeOptions(normalizeEmbeddings: normalize, maxLength: maxLength,
                                                              promptName: promptName, truncateDimension: dimensions))
        let format = JSONLines(chunks: true)
        let progress = Console.progressBar(label: "chunking", total: rows.count)
        var failures = RowFailures()
        // One text at a time: a long document's chunks are written before the next is embedded.
        for (n, row) in rows.enumerated() {
            let (results, _) = try model.embed([row], request, file: inputs.input)
            FileHandle.standardOutput.write(Data(format.encode([row], results).data))
            failures.note(results)
            progress?(n + 1, rows.count)
        }
        try failures.finish()
    }
}
