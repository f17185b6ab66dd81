import ArgumentParser

struct SimilarityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "similarity", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("'similarity' is not implemented yet") }
}
