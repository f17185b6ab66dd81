import ArgumentParser
import EmbedKit
import Foundation

extension SimilarityFunction: ExpressibleByArgument {}

struct SimilarityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity",
        abstract: "Similarity of a query to each input, or the matrix of all inputs.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var inputs: InputOptions

    @Option(name: .long, help: "Compare this text with each input; prints one number per input.")
    var query: String?

    @Option(name: .long, help: "cosine, dot, euclidean or manhattan (default: the model's own, else cosine).")
    var function: SimilarityFunction?

    func run() async throws {
        let texts = try inputs.allTexts()
        guard !texts.isEmpty else { throw ValidationError("give at least one text") }
        let model = try await modelOptions.load()
        let similarity = function ?? model.similarityFunction
        if let query {
            let vectors = try model.encode([query] + texts)
            for v in vectors.dropFirst() { print(similarity(vectors[0], v)) }
        } else {
            let vectors = try model.encode(texts)
            for row in similarity.matrix(vectors, vectors) { print(JSONText.vector(row)) }
        }
    }
}
