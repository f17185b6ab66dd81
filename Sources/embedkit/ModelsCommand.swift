import ArgumentParser

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("'models' is not implemented yet") }
}
