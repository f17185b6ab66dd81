import ArgumentParser
import Foundation
import EmbedKitHub

/// `embedkit download org/name[@revision]`: fetches the files a sentence-transformers model needs into the
/// Hugging Face cache (shared with Python's huggingface_hub) and prints the snapshot folder.
struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a model from the Hugging Face Hub into the local cache and print its folder.",
        discussion: """
        Only the files EmbedKit reads are fetched (configs, tokenizer, one weights format). Uses HF_ENDPOINT, \
        HF_HOME / HF_HUB_CACHE, HF_TOKEN (for gated models) and HF_HUB_OFFLINE like huggingface_hub.
        """)

    @Argument(help: "Model id: org/name or org/name@revision (branch, tag or commit).")
    var model: String

    @Option(help: "Revision (overrides an @revision in the id).")
    var revision: String?

    func run() async throws {
        var id = model
        if let revision {
            id = String(model.split(separator: "@", maxSplits: 1)[0]) + "@" + revision
        }
        let bar = ProgressBar(label: String(id.prefix(40)))
        let folder: URL
        do {
            folder = try await HubClient().snapshot(id, progress: bar.callback())
            bar.finish()
        } catch {
            bar.finish()
            throw error
        }
        print(folder.path)
    }
}
