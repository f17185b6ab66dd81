import Foundation

/// Everything that can go wrong while resolving a model from the Hugging Face Hub.
/// Each message says what happened and what the user can do about it.
public enum HubError: Error, Equatable, Sendable {
    /// The id is not `org/name[@revision]` with safe characters.
    case invalidModelID(String, reason: String)
    /// A file name, module path, commit or ETag (from the server or a config) would escape the cache.
    case unsafePath(String, context: String)
    /// `HF_HUB_OFFLINE` is set and the model (at this revision) is not in the cache.
    case notInCache(id: String, revision: String, cacheDirectory: String)
    /// 401/403: gated or private model and no (valid) token.
    case unauthorized(id: String, endpoint: String, tokenSent: Bool)
    /// 404 (or the Hub's RepoNotFound): no such model.
    case modelNotFound(id: String, endpoint: String)
    /// The model exists but the revision (branch, tag or commit) does not.
    case revisionNotFound(id: String, revision: String)
    /// A file listed by the Hub could not be resolved.
    case fileNotFound(id: String, file: String)
    /// The repository has none of the weight formats EmbedKit reads.
    case noWeights(id: String)
    /// The server could not be reached or the transfer broke and retries were exhausted.
    case network(url: String, message: String)
    /// Any other unexpected HTTP status.
    case httpStatus(Int, url: String)
    /// The server answered with something that is not the Hub's file API.
    case badResponse(url: String, message: String)
    /// A downloaded file does not match its announced size or sha256.
    case integrity(file: String, expected: String, actual: String)
    /// Reading or writing the cache failed.
    case io(path: String, message: String)
}

extension HubError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .invalidModelID(let id, let reason):
            return "'\(id)' is not a valid Hugging Face model id (\(reason)). Use org/name or org/name@revision, or a path to a local folder."
        case .unsafePath(let path, let context):
            return "refusing unsafe path '\(path)' in \(context): it could escape the model cache"
        case .notInCache(let id, let revision, let cache):
            return "\(id)@\(revision) is not in the Hugging Face cache (\(cache)) and HF_HUB_OFFLINE is set. "
                + "Download it first with network access (`embedkit download \(id)`), or unset HF_HUB_OFFLINE."
        case .unauthorized(let id, let endpoint, let tokenSent):
            let page = "\(endpoint)/\(id)"
            return tokenSent
                ? "access to \(id) was refused with the token given: check that HF_TOKEN is valid and that you accepted the model's terms at \(page)"
                : "\(id) is gated or private: accept its terms at \(page), then set HF_TOKEN to an access token (or run `huggingface-cli login`)"
        case .modelNotFound(let id, let endpoint):
            return "model \(id) was not found on \(endpoint): check the spelling (org/name). If it is private, set HF_TOKEN."
        case .revisionNotFound(let id, let revision):
            return "model \(id) has no revision '\(revision)': use a branch, tag or commit hash that exists"
        case .fileNotFound(let id, let file):
            return "file \(file) of \(id) could not be found on the Hub"
        case .noWeights(let id):
            return "\(id) has neither model.safetensors nor pytorch_model.bin: EmbedKit cannot load it"
        case .network(let url, let message):
            return "could not download \(url): \(message). Check your network or proxy, set HF_ENDPOINT for a mirror, or set HF_HUB_OFFLINE=1 to use the cache only."
        case .httpStatus(let status, let url):
            return "the Hub answered HTTP \(status) for \(url)"
        case .badResponse(let url, let message):
            return "unexpected answer from \(url): \(message). Is HF_ENDPOINT a Hugging Face Hub?"
        case .integrity(let file, let expected, let actual):
            return "\(file) is corrupt after download (expected \(expected), got \(actual)); it was discarded, try again"
        case .io(let path, let message):
            return "cache error at \(path): \(message)"
        }
    }

    public var errorDescription: String? { description }
}
