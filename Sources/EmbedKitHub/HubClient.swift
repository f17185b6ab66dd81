import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Resolves Hugging Face Hub model ids (`org/name[@revision]`) to local snapshot folders in the
/// huggingface_hub cache, downloading only the files a sentence-transformers pipeline reads.
/// A model downloaded by Python's huggingface_hub is reused, and vice versa.
public struct HubClient: Sendable {
    /// The model `embedkit embed` uses when no `--model` is given.
    public static let defaultModelID = "jinaai/jina-embeddings-v2-small-en"

    public let configuration: HubConfiguration
    public var cache: HubCache { HubCache(root: configuration.cacheDirectory) }
    public var logger: Logger

    /// Reads HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_TOKEN, HF_TOKEN_PATH and HF_HUB_OFFLINE from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(configuration: HubConfiguration(environment: environment))
    }

    public init(configuration: HubConfiguration, logger: Logger = Logger(label: "embedkit.hub")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// True when `string` looks like `org/name[@revision]` rather than a path to a local folder.
    /// (An existing folder always wins; `snapshot` validates the id strictly.)
    public static func looksLikeModelID(_ string: String) -> Bool {
        if FileManager.default.fileExists(atPath: string) { return false }
        if string.hasPrefix("/") || string.hasPrefix(".") || string.hasPrefix("~") { return false }
        let id = string.split(separator: "@", maxSplits: 1).first.map(String.init) ?? string
        return id.split(separator: "/", omittingEmptySubsequences: false).count == 2
    }

    /// The cached snapshot folder of `id`, without any network access (nil when absent).
    public func cachedSnapshot(_ id: String) throws -> URL? {
        cache.cachedSnapshot(try ModelReference(id))
    }

    /// Returns the local snapshot folder of `id` (`org/name[@revision]`), downloading what is missing.
    /// `progress` receives (bytes downloaded, total bytes to download) for this call.
    public func snapshot(_ id: String, progress: (@Sendable (Int64, Int64?) -> Void)? = nil) async throws -> URL {
        let model = try ModelReference(id)
        if configuration.offline {
            guard let folder = cache.cachedSnapshot(model) else {
                throw HubError.notInCache(id: model.id, revision: model.revision, cacheDirectory: configuration.cacheDirectory.path)
            }
            logger.debug("HF_HUB_OFFLINE: using \(folder.path)")
            return folder
        }
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(10), read: .seconds(60))))
        do {
            let folder = try await download(model, api: HubAPI(client: client, configuration: configuration, logger: logger), progress: progress)
            try await client.shutdown()
            return folder
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func download(_ model: ModelReference, api: HubAPI, progress: (@Sendable (Int64, Int64?) -> Void)?) async throws -> URL {
        let commit: String
        let siblings: Set<String>
        do {
            let info = try await api.modelInfo(model)
            commit = info.commit
            siblings = Set(info.files)
        } catch HubError.network(let url, let message) {
            // Like huggingface_hub: an unreachable Hub falls back to what the cache has.
            if let folder = cache.cachedSnapshot(model) {
                logger.warning("the Hub is unreachable (\(message)); using the cached snapshot \(folder.path)")
                return folder
            }
            throw HubError.network(url: url, message: message)
        }
        try cache.writeRef(model, commit: commit)

        let counter = ProgressCounter(callback: progress)
        // The root's files first; modules.json then names the module folders (1_Pooling, 2_Dense, ...).
        var selected = FileSelection.files(in: "", siblings: siblings)
        try await fetch(selected, model: model, commit: commit, api: api, counter: counter)
        for module in try modulePaths(model, commit: commit) {
            let files = FileSelection.files(in: module, siblings: siblings).filter { !selected.contains($0) }
            try await fetch(files, model: model, commit: commit, api: api, counter: counter)
            selected += files
        }
        if !selected.contains(where: FileSelection.isWeights) {
            throw HubError.noWeights(id: model.id)
        }
        return cache.snapshotFolder(model, commit: commit)
    }

    /// Module folders named by the snapshot's modules.json (validated: they become cache paths).
    private func modulePaths(_ model: ModelReference, commit: String) throws -> [String] {
        let file = cache.snapshotFolder(model, commit: commit).appendingPathComponent("modules.json")
        guard let data = FileManager.default.contents(atPath: file.path) else { return [] }
        struct Module: Decodable { var path: String? }
        guard let modules = try? JSONDecoder().decode([Module].self, from: data) else {
            throw HubError.badResponse(url: file.path, message: "modules.json is not a list of modules")
        }
        var paths: [String] = []
        for path in modules.compactMap(\.path) where !path.isEmpty {
            var trimmed = path
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            try PathSafety.requireRelativePath(trimmed, context: "modules.json of \(model.id)")
            if !paths.contains(trimmed) { paths.append(trimmed) }
        }
        return paths
    }

    /// Ensures each file is in `snapshots/<commit>/`: metadata first (to know the total), then the blobs.
    private func fetch(_ files: [String], model: ModelReference, commit: String, api: HubAPI, counter: ProgressCounter) async throws {
        let missing = files.filter { !cache.snapshotHasFile(model, commit: commit, file: $0) }
        guard !missing.isEmpty else { return }
        var plan: [(file: String, metadata: FileMetadata)] = []
        for file in missing {
            let metadata = try await api.fileMetadata(model, commit: commit, file: file)
            if let served = metadata.commit, served != commit {
                logger.warning("\(file): the Hub served commit \(served) while \(commit) was asked for")
            }
            plan.append((file, metadata))
        }
        counter.addTotal(plan.reduce(0) { total, item in
            FileSystem.exists(cache.blobPath(model, blob: item.metadata.etag)) ? total : total + item.metadata.size
        })
        for (file, metadata) in plan {
            let blob = cache.blobPath(model, blob: metadata.etag)
            if !FileSystem.exists(blob) {
                try FileSystem.createDirectory(blob.deletingLastPathComponent())
                try await FileLock.withLock(at: cache.lockFile(model, blob: metadata.etag)) {
                    // Another process may have finished it while we waited for the lock.
                    if FileSystem.exists(blob) { counter.add(metadata.size); return }
                    let resumed = FileSystem.size(of: blob.deletingLastPathComponent().appendingPathComponent(metadata.etag + ".incomplete")) ?? 0
                    if resumed > 0 && resumed <= metadata.size { counter.add(resumed) }
                    logger.debug("downloading \(model.id)/\(file) (\(metadata.size) bytes)")
                    try await BlobDownload(api: api, model: model, file: file, metadata: metadata, destination: blob,
                                           progress: { counter.add($0) }).run()
                }
            }
            try cache.link(model, commit: commit, file: file, blob: metadata.etag)
        }
    }
}

/// Sums bytes across the files of one snapshot call and reports (done, total).
final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done: Int64 = 0
    private var total: Int64 = 0
    private let callback: (@Sendable (Int64, Int64?) -> Void)?

    init(callback: (@Sendable (Int64, Int64?) -> Void)?) { self.callback = callback }

    func addTotal(_ bytes: Int64) {
        lock.lock(); total += bytes; let state = (done, total); lock.unlock()
        if bytes > 0 { callback?(state.0, state.1) }
    }

    func add(_ bytes: Int64) {
        lock.lock(); done += bytes; let state = (done, total); lock.unlock()
        callback?(state.0, state.1)
    }
}
