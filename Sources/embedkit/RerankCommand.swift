import ArgumentParser
import EmbedKit
import Foundation

/// `embedkit rerank`: a cross-encoder's score of each document for a query. Prints one JSON line per
/// document, `{"index": i, "score": s}`, in input order (with `--top-n`, the K best, best first). Other
/// tools read this output: keep it exactly so.
struct RerankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerank",
        abstract: "Score documents for a query with a cross-encoder (reranker), as sentence-transformers' CrossEncoder.predict.")

    @Option(name: .long, help: "Cross-encoder folder or Hugging Face Hub id (a …ForSequenceClassification checkpoint with one label).")
    var model: String

    @Option(name: .long, help: "The query every document is scored against.")
    var query: String

    @OptionGroup var documents: InputOptions

    @Option(name: .long, help: "Print only the K best documents, best first.")
    var topN: Int?

    @Flag(name: .long, help: "Print the raw logits instead of CrossEncoder's default activation (sigmoid for one label).")
    var rawScores = false

    @Flag(name: .long, help: "Score a document longer than a pair holds by its best window (the query kept whole beside each) instead of cutting it as CrossEncoder does.")
    var bestChunk = false

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if let topN, topN < 1 { throw ValidationError("--top-n must be at least 1") }
    }

    func run() async throws {
        let texts = try documents.allTexts()
        guard !texts.isEmpty else { throw ValidationError("give at least one document (--input FILE or DOC arguments)") }
        let reranker = try await CrossEncoder.load(model, threads: compute.threads, precision: try compute.resolvedPrecision())
        for r in try reranker.rerank(query: query, documents: texts, topN: topN, rawScores: rawScores, batchSize: compute.batchSize,
                                          longDocuments: bestChunk ? .bestChunk : .truncate) {
            print("{\"index\":\(r.index),\"score\":\(r.score)}")
        }
    }
}
