import ArgumentParser

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("'serve' is not implemented yet") }
}
