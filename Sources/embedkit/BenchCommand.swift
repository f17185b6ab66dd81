import ArgumentParser
import EmbedKit
import Foundation

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time encoding of a JSONL file; prints {\"texts\", \"tokens\", \"seconds\", \"tokens_per_s\", ...}.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: "JSONL file with one JSON string per line.")
    var input: String

    @Option(name: .long, help: "Texts per batch.")
    var batchSize = 32

    @Option(name: .long, help: "Token limit per input (default: the model's max_seq_length).")
    var maxLength: Int?

    func run() async throws {
        let texts = try InputLines.read(file: input, arguments: [])
        guard !texts.isEmpty else { throw ValidationError("\(input): no texts") }
        let model = try await modelOptions.load()
        let options = EncodeOptions(batchSize: batchSize, maxLength: maxLength)
        // Tokens after truncation, padding never counted (EmbedKit does not pad).
        let tokens = model.tokenize(texts, maxLength: maxLength).reduce(0) { $0 + $1.ids.count }
        _ = try model.encode(Array(texts.prefix(batchSize)), options: options)   // warm-up batch
        let start = DispatchTime.now().uptimeNanoseconds
        let vectors = try model.encode(texts, options: options)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        precondition(vectors.count == texts.count)
        let result: [String: Any] = [
            "texts": texts.count, "tokens": tokens, "seconds": seconds, "tokens_per_s": Double(tokens) / seconds,
            "texts_per_s": Double(texts.count) / seconds, "batch_size": batchSize,
            "threads": modelOptions.threads ?? ProcessInfo.processInfo.activeProcessorCount,
            "model": model.info.modelID, "dimension": model.info.dimension,
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
