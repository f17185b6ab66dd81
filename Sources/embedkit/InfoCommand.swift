import ArgumentParser

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("'info' is not implemented yet") }
}
