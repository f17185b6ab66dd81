import ArgumentParser

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("'eval' is not implemented yet") }
}
