import ArgumentParser

struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "embed", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("'embed' is not implemented yet") }
}
