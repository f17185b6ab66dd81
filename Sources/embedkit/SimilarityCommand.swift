import ArgumentParser
import EmbedKit
import Foundation

extension SimilarityFunction: ExpressibleByArgument {}

struct SimilarityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity",
        abstract: "Similarity of a query to each input, or the matrix of all inputs.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: "JSONL file with one JSON string per line.")
    var input: String?

    @Option(name: .long, help: "Compare this text with each input; prints one number per input.")
    var query: String?

    @Option(name: .long, help: "cosine, dot, euclidean or manhattan (default: the model's own, else cosine).")
    var function: SimilarityFunction?

    @Argument(help: "Texts (when --input is not given).")
    var texts: [String] = []

    func run() async throws {
        let inputs = try InputLines.read(file: input, arguments: texts)
        guard !inputs.isEmpty else { throw ValidationError("give at least one text") }
        let model = try await modelOptions.load()
        let similarity = function ?? model.similarityFunction
        if let query {
            let vectors = try model.encode([query] + inputs)
            for v in vectors.dropFirst() { print(similarity(vectors[0], v)) }
        } else {
            let vectors = try model.encode(inputs)
            for row in similarity.matrix(vectors, vectors) { print(JSONVector.line(row)) }
        }
    }
}
