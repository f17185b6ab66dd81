/// Errors in a sentence-transformers folder's module files.
public enum PipelineError: Error, CustomStringConvertible {
    case missingFile(String)
    case invalidFile(file: String, reason: String)
    case unsupportedModule(file: String, type: String)

    public var description: String {
        switch self {
        case .missingFile(let f): return "\(f): file not found"
        case .invalidFile(let f, let r): return "\(f): \(r)"
        case .unsupportedModule(let f, let t):
            return "\(f): unsupported module type '\(t)'; supported: Transformer, Pooling, Dense, Normalize"
        }
    }
}
