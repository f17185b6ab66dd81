import Foundation

/// One entry of modules.json, resolved to what EmbedKit runs.
public enum ModuleKind: Sendable, Equatable {
    case transformer
    case pooling(path: String)
    case dense(path: String)
    case normalize

    public var name: String {
        switch self {
        case .transformer: return "Transformer"
        case .pooling: return "Pooling"
        case .dense: return "Dense"
        case .normalize: return "Normalize"
        }
    }

    /// Reads modules.json. Without it, sentence-transformers builds Transformer + mean Pooling.
    static func load(folder: URL) throws -> [ModuleKind]? {
        let url = folder.appendingPathComponent("modules.json")
        guard let entries = try JSONFile.array(url) else { return nil }
        var kinds: [ModuleKind] = []
        for entry in entries.sorted(by: { (($0["idx"] as? Int) ?? 0) < (($1["idx"] as? Int) ?? 0) }) {
            let type = entry["type"] as? String ?? ""
            let path = entry["path"] as? String ?? ""
            guard !path.contains(".."), !path.hasPrefix("/") else {
                throw PipelineError.invalidFile(file: url.path, reason: "module path '\(path)' leaves the model folder")
            }
            switch type.split(separator: ".").last.map(String.init) ?? type {
            case "Transformer": kinds.append(.transformer)
            case "Pooling": kinds.append(.pooling(path: path))
            case "Dense": kinds.append(.dense(path: path))
            case "Normalize": kinds.append(.normalize)
            default: throw PipelineError.unsupportedModule(file: url.path, type: type)
            }
        }
        guard kinds.first == .transformer else {
            throw PipelineError.invalidFile(file: url.path, reason: "the first module must be a Transformer")
        }
        return kinds
    }
}
