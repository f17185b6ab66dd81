import Foundation

/// Where the Hub is and where its cache lives, read from the same environment variables as
/// huggingface_hub: HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_TOKEN, HF_TOKEN_PATH, HF_HUB_OFFLINE.
public struct HubConfiguration: Sendable {
    /// Hub base URL without trailing slash (`HF_ENDPOINT`, default https://huggingface.co).
    public var endpoint: String
    /// The hub cache folder holding `models--org--name` folders.
    public var cacheDirectory: URL
    /// Access token sent as `Authorization: Bearer`.
    public var token: String?
    /// Never touch the network when true.
    public var offline: Bool

    public static let defaultEndpoint = "https://huggingface.co"

    public init(endpoint: String = HubConfiguration.defaultEndpoint, cacheDirectory: URL, token: String? = nil, offline: Bool = false) {
        var endpoint = endpoint
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        self.endpoint = endpoint
        self.cacheDirectory = cacheDirectory
        self.token = token
        self.offline = offline
    }

    /// Reads the configuration from environment variables (as huggingface_hub does).
    public init(environment: [String: String]) {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
            return raw
        }
        let home = value("HOME") ?? NSHomeDirectory()
        func expand(_ path: String) -> URL {
            if path == "~" { return URL(fileURLWithPath: home) }
            if path.hasPrefix("~/") { return URL(fileURLWithPath: home).appendingPathComponent(String(path.dropFirst(2))) }
            return URL(fileURLWithPath: path)
        }
        let xdgCache = value("XDG_CACHE_HOME").map(expand) ?? URL(fileURLWithPath: home).appendingPathComponent(".cache")
        let hfHome = value("HF_HOME").map(expand) ?? xdgCache.appendingPathComponent("huggingface")
        let cache = value("HF_HUB_CACHE").map(expand) ?? hfHome.appendingPathComponent("hub")

        var token = value("HF_TOKEN")
        if token == nil {
            let tokenFile = value("HF_TOKEN_PATH").map(expand) ?? hfHome.appendingPathComponent("token")
            if let text = try? String(contentsOf: tokenFile, encoding: .utf8) {
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                token = trimmed.isEmpty ? nil : trimmed
            }
        }
        let offline = value("HF_HUB_OFFLINE").map { ["1", "on", "yes", "true"].contains($0.lowercased()) } ?? false
        self.init(endpoint: value("HF_ENDPOINT") ?? Self.defaultEndpoint, cacheDirectory: cache, token: token, offline: offline)
    }
}
