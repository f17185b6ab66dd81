import Foundation

/// Resolves Hugging Face Hub model ids to local snapshot folders (placeholder until the Hub lands).
public struct HubClient: Sendable {
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {}

    /// True when `string` looks like `org/name[@revision]` rather than a path to a local folder.
    public static func looksLikeModelID(_ string: String) -> Bool {
        if FileManager.default.fileExists(atPath: string) { return false }
        if string.hasPrefix("/") || string.hasPrefix(".") || string.hasPrefix("~") { return false }
        let id = string.split(separator: "@", maxSplits: 1).first.map(String.init) ?? string
        return id.split(separator: "/", omittingEmptySubsequences: false).count == 2
    }

    /// Returns the local snapshot folder of `id` (`org/name[@revision]`), downloading what is missing.
    public func snapshot(_ id: String, progress: (@Sendable (Int64, Int64?) -> Void)? = nil) async throws -> URL {
        throw HubError.notSupported(id)
    }
}

public enum HubError: Error, CustomStringConvertible {
    case notSupported(String)
    public var description: String {
        switch self {
        case .notSupported(let id): return "\(id): downloading models from the Hugging Face Hub is not supported yet"
        }
    }
}
