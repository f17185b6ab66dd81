import ArgumentParser
import Foundation
import EmbedKitHub

/// `embedkit models`: the models in the Hugging Face cache, with their size on disk.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models in the Hugging Face cache (HF_HUB_CACHE, HF_HOME/hub or ~/.cache/huggingface/hub).")

    func run() async throws {
        let client = HubClient()
        let models = client.cache.cachedModels()
        print("cache: \(client.cache.root.path)")
        guard !models.isEmpty else {
            print("no models cached (download one with `embedkit download org/name`)")
            return
        }
        let width = max(5, models.map(\.id.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        print(pad("MODEL", width) + "  " + pad("SIZE", 10) + "  REVISIONS")
        var total: Int64 = 0
        for model in models {
            total += model.size
            var revisions = model.refs.keys.sorted().map { "\($0)=\(model.refs[$0]!.prefix(10))" }
            let named = Set(model.refs.values)
            revisions += model.snapshots.filter { !named.contains($0) }.map { String($0.prefix(10)) }
            var size = ProgressBar.format(model.size)
            if model.incompleteSize > 0 { size += " (+\(ProgressBar.format(model.incompleteSize)) partial)" }
            print(pad(model.id, width) + "  " + pad(size, 10) + "  " + revisions.joined(separator: ", "))
        }
        print("\(models.count) model(s), \(ProgressBar.format(total)) in total")
    }
}
