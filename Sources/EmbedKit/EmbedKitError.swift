/// Errors of the public API, with messages a user can act on.
public enum EmbedKitError: Error, CustomStringConvertible {
    case notImplemented(String)
    case invalidModel(file: String, reason: String)
    case unsupportedArchitecture(file: String, reason: String)
    case invalidOption(String)
    case unknownToken(Int, vocabularySize: Int)

    public var description: String {
        switch self {
        case .notImplemented(let w): return "\(w) is not implemented yet"
        case .invalidModel(let f, let r): return "\(f): \(r)"
        case .unsupportedArchitecture(let f, let r): return "\(f): unsupported model: \(r)"
        case .invalidOption(let r): return r
        case .unknownToken(let id, let n): return "token id \(id) is outside the vocabulary (0..<\(n))"
        }
    }
}
