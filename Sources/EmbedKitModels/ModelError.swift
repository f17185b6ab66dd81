import EmbedKitFormats

/// Errors while loading or running an encoder.
public enum ModelError: Error, CustomStringConvertible {
    case missingFile(String)
    case invalidConfig(file: String, reason: String)
    case unsupportedArchitecture(file: String, reason: String)
    case sequenceTooLong(length: Int, maximum: Int)
    case tokenOutOfRange(id: Int, vocabularySize: Int)

    public var description: String {
        switch self {
        case .missingFile(let f): return "\(f): file not found"
        case .invalidConfig(let f, let r): return "\(f): invalid config: \(r)"
        case .unsupportedArchitecture(let f, let r): return "\(f): unsupported architecture: \(r)"
        case .sequenceTooLong(let l, let m):
            return "a sequence of \(l) tokens exceeds the model's \(m) position embeddings; lower --max-length"
        case .tokenOutOfRange(let id, let n): return "token id \(id) is outside the vocabulary (0..<\(n))"
        }
    }
}
