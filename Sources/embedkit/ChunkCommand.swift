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

    @Option(name: .long, help: "JSONL file with one JSON string per line ('-' for stdin).")
    var input: String?

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

    @Argument(help: "Texts to chunk (when --input is not given).")
    var texts: [String] = []

    func run() async throws {
        let inputs = try InputLines.read(file: input, arguments: texts)
        let model = try await modelOptions.load()
        var options = EncodeOptions(normalizeEmbeddings: normalize, maxLength: maxLength, promptName: promptName,
                                    truncateDimension: dimensions)
        options.progress = Console.progressBar(label: "chunking", total: inputs.count)
        let chunking = ChunkingOptions(chunkTokens: chunkTokens, overlap: overlap, boundaries: boundaries.boundaries,
                                       pooling: pooling, windowOverlap: windowOverlap)
        // One text at a time: a long document's chunks are printed before the next is read in.
        for text in inputs {
            let chunks = try model.chunk([text], chunking: chunking, options: options)[0]
            FileHandle.standardOutput.write(Data((ChunkJSON.line(chunks) + "\n").utf8))
        }
    }
}

enum ChunkJSON {
    /// `{"chunks": [{"start", "end", "token_start", "token_end", "embedding"}, ...]}`.
    static func line(_ chunks: [TextChunk]) -> String {
        let items = chunks.map { c in
            #"{"start":\#(c.start),"end":\#(c.end),"token_start":\#(c.tokenStart),"token_end":\#(c.tokenEnd),"#
                + (c.truncated ? #""truncated":true,"# : "") + #""embedding":"# + JSONVector.line(c.embedding) + "}"
        }
        return #"{"chunks":["# + items.joined(separator: ",") + "]}"
    }
}
