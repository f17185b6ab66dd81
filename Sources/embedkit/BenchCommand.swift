import ArgumentParser
import EmbedKit
import EmbedKitCompute
import EmbedKitServer
import Foundation
import EmbedKitHub
import EmbedKitTokenizers

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

    @Flag(name: .long, help: "Time only the tokenizer: characters per second on one core, then on all cores.")
    var tokenizerOnly = false

    @Option(name: .long, help: "Kernel family to run (generic, avx2, avx512, neon; default: the fastest this CPU has), to measure what a CPU with fewer extensions gets. int8 on avx2 is its VPMADDUBSW kernel. [EMBEDKIT_KERNELS]")
    var kernels: String?

    @Flag(name: .long, help: "Latency of one query at a time: every text encoded alone (batch 1), adding mean_ms, p50_ms, p99_ms and max_ms of one call to the output.")
    var latency = false

    func run() async throws {
        let texts = try InputRows.texts(file: input, arguments: [])
        guard !texts.isEmpty else { throw ValidationError("\(input): no texts") }
        if tokenizerOnly { return try await benchTokenizer(texts) }
        try KernelsOption.force(kernels)
        let model = try await modelOptions.load()
        if latency { return try benchLatency(model, texts) }
        let options = EncodeOptions(batchSize: batchSize, maxLength: maxLength)
        // Tokens after truncation, padding never counted (EmbedKit does not pad).
        let tokens = try model.tokenize(texts, maxLength: maxLength).reduce(0) { $0 + $1.ids.count }
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
            "precision": model.info.precision, "weight_bytes": model.info.weightBytes, "kernels": ComputeBackend.active.rawValue,
            "peak_rss_bytes": ProcessMemory.peakBytes,
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

extension BenchCommand {
    /// What a search service pays per query: each text encoded by itself, the whole `encode` call timed
    /// (tokenization, the forward pass, normalization), after one warm-up call.
    func benchLatency(_ model: EmbeddingModel, _ texts: [String]) throws {
        let options = EncodeOptions(batchSize: 1, maxLength: maxLength)
        let tokens = try model.tokenize(texts, maxLength: maxLength).reduce(0) { $0 + $1.ids.count }
        _ = try model.encode([texts[0]], options: options)
        var ms: [Double] = []
        ms.reserveCapacity(texts.count)
        for text in texts {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try model.encode([text], options: options)
            ms.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let sorted = ms.sorted(), seconds = ms.reduce(0, +) / 1000
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
        let result: [String: Any] = [
            "texts": texts.count, "tokens": tokens, "seconds": seconds, "tokens_per_s": Double(tokens) / seconds,
            "texts_per_s": Double(texts.count) / seconds, "batch_size": 1,
            "mean_ms": seconds * 1000 / Double(texts.count), "p50_ms": percentile(0.5), "p99_ms": percentile(0.99), "max_ms": sorted.last!,
            "threads": modelOptions.threads ?? ProcessInfo.processInfo.activeProcessorCount,
            "model": model.info.modelID, "precision": model.info.precision, "kernels": ComputeBackend.active.rawValue,
            "peak_rss_bytes": ProcessMemory.peakBytes,
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Tokenizes every text as `embedkit tokenize` does (`TextPreparation.prepare`: default prompt, strip,
    /// lowercase, the tokenizer, truncation included), once on one thread and once on `--threads` (all cores).
    /// Characters are Unicode scalars, as Python's `len`. There is no warm-up pass: the BPE word cache
    /// starts empty, as in a fresh process.
    func benchTokenizer(_ texts: [String]) async throws {
        let chars = texts.reduce(0) { $0 + $1.unicodeScalars.count }
        func timed(threads: Int?) async throws -> (seconds: Double, tokens: Int) {
            var options = modelOptions
            options.threads = threads
            let text = try await options.loadTextPreparation()    // fresh caches for each run
            let prompt = try text.prompt()
            let start = DispatchTime.now().uptimeNanoseconds
            let tokens = try text.prepare(texts, prompt: prompt, maxLength: maxLength).reduce(0) { $0 + $1.ids.count }
            return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, tokens)
        }
        let single = try await timed(threads: 1)
        let batch = try await timed(threads: modelOptions.threads)
        let result: [String: Any] = [
            "texts": texts.count, "chars": chars, "tokens": single.tokens,
            "seconds_one_thread": single.seconds, "chars_per_s_one_thread": Double(chars) / single.seconds,
            "tokens_per_s_one_thread": Double(single.tokens) / single.seconds,
            "seconds_all_threads": batch.seconds, "chars_per_s_all_threads": Double(chars) / batch.seconds,
            "threads": modelOptions.threads ?? ProcessInfo.processInfo.activeProcessorCount, "model": modelOptions.model,
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
