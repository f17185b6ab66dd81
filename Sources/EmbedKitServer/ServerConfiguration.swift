import EmbedKit
import Foundation

/// Settings of `EmbeddingServer`; `embedkit serve` fills them from flags and `EMBEDKIT_*` variables.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port; the bound port is passed to `onListening`.
    public var port: Int = 8080
    /// When set, every route but `/health` requires `Authorization: Bearer <apiKey>`.
    public var apiKey: String? = nil
    /// Tokens per forward pass, as TEI's `--max-batch-tokens` (real tokens: the engine never pads).
    public var maxBatchTokens: Int = 16384
    /// Inputs per forward pass, as TEI's `--max-batch-requests`; nil: no limit but the tokens.
    public var maxBatchRequests: Int? = nil
    /// Requests being handled at once; more get 429.
    public var maxConcurrentRequests: Int = 512
    /// Token limit per input (special tokens included); nil or larger than the model's max_seq_length:
    /// the model's max_seq_length.
    public var maxInputTokens: Int? = nil
    /// Inputs per request (OpenAI's limit); more get 413. Still bounded by the memory budget.
    public var maxClientBatchSize: Int = 2048
    /// Request body limit in bytes; larger bodies get 413.
    public var maxRequestBytes: Int = 2 * 1024 * 1024
    /// Truncate over-long inputs when the request does not say (`truncate` of `/embed`; always for
    /// `/v1/embeddings`, which has no such field). Off: over-long inputs get 413.
    public var autoTruncate: Bool = false
    /// Time allowed for reading a request body; slower clients get 408.
    public var bodyReadTimeout: Duration = .seconds(30)
    /// A connection that sends nothing for this long (headers included) is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// The resident memory the server may use, in bytes (`MemoryBudget`); nil: 80 % of the cgroup
    /// limit or of physical memory.
    public var maxMemory: Int? = nil
    /// Threads for the engine and for tokenization (nil: all cores).
    public var threads: Int? = nil

    /// The model's name in `/v1/models`, `/info` and responses; nil: `servedName(for:)`'s default.
    public var servedModelName: String? = nil

    public init() {}

    /// The name a model loaded as `modelID` is served under: `servedModelName`, else a Hub id as given,
    /// else the folder's last path component (a filesystem path is never shown to clients).
    public func servedName(for modelID: String) -> String {
        if let servedModelName, !servedModelName.isEmpty { return servedModelName }
        let looksLikePath = modelID.hasPrefix("/") || modelID.hasPrefix(".") || modelID.hasPrefix("~")
            || FileManager.default.fileExists(atPath: modelID)
        return looksLikePath ? URL(fileURLWithPath: modelID).standardizedFileURL.lastPathComponent : modelID
    }

    /// `maxMemory`, or its default, with where it came from.
    public var memoryLimit: (bytes: Int, source: String) {
        if let maxMemory { return (maxMemory, "--max-memory") }
        return ProcessMemory.defaultLimit()
    }

    /// `maxConcurrentRequests`, lowered so that as many bodies of `maxRequestBytes` fit an eighth of
    /// the memory limit.
    public var admittedConcurrentRequests: Int {
        MemoryBudget.admittedConcurrency(maxConcurrentRequests, limit: memoryLimit.bytes, maxRequestBytes: maxRequestBytes)
    }
}
