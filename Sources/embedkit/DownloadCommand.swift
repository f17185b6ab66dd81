import ArgumentParser

struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "download", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("'download' is not implemented yet") }
}
