import ArgumentParser

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("'tokenize' is not implemented yet") }
}
