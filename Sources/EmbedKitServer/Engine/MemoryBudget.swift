import EmbedKit
import Foundation

/// `--max-memory`: the resident memory the server may use, split once the model is loaded.
///
/// - the model and runtime (`baseline`: resident memory measured when the model is ready) and a slack
///   for what is not counted (the HTTP stack, allocator caches: 5 %, at least 16 MB);
/// - one forward pass (`passBytes`): at most three quarters of the rest. Passes of several inputs hold
///   `batchTokens` (`--max-batch-tokens`, lowered to what fits, whatever it says); one input runs alone
///   up to `inputTokens`, and a longer one can never run and gets 413;
/// - requests in flight (`requestBytes`, the rest): each reserves an upper bound of what it holds (its
///   body, decoded texts, token ids, vectors and response) while it is handled; one that does not fit
///   gets 503 with `Retry-After` and nothing is queued.
/// Request bodies are bounded before that by `--max-concurrent-requests` × `--max-request-bytes`, which
/// `admittedConcurrency` keeps within an eighth of the limit.
public struct MemoryBudget: Sendable, CustomStringConvertible {
    public let limit: Int
    public let baseline: Int
    public let slack: Int
    /// Tokens per forward pass of several inputs (`--max-batch-tokens`, lowered to what fits).
    public let batchTokens: Int
    /// The longest input that can run (alone); longer ones get 413.
    public let inputTokens: Int
    public let passBytes: Int
    public let requestBytes: Int

    public static func plan(limit: Int, baseline: Int, backend: any EmbeddingBackend, maxBatchTokens: Int,
                            maxInputTokens: Int) throws -> MemoryBudget {
        let slack = max(16 << 20, limit / 20)
        let available = limit - baseline - slack
        let mb = { (b: Int) in "\(b >> 20) MiB" }
        guard available > 0 else {
            throw MemoryBudgetError("--max-memory \(mb(limit)) leaves nothing for requests: the model and runtime already use \(mb(baseline)) (plus \(mb(slack)) slack)")
        }
        let fitting = Self.tokens(fitting: available * 3 / 4, longest: maxInputTokens, backend: backend)
        guard fitting >= 1 else {
            throw MemoryBudgetError("--max-memory \(mb(limit)) leaves \(mb(available)) after the model: not enough for a forward pass of one token")
        }
        // Passes of several inputs stay within --max-batch-tokens; one input runs alone up to what fits.
        let batchTokens = min(maxBatchTokens, fitting)
        let inputTokens = min(maxInputTokens, fitting)
        let largest = max(batchTokens, inputTokens)
        let passBytes = backend.activationBytes(tokens: largest, longest: min(largest, maxInputTokens))
        return MemoryBudget(limit: limit, baseline: baseline, slack: slack, batchTokens: batchTokens, inputTokens: inputTokens,
                            passBytes: passBytes, requestBytes: available - passBytes)
    }

    private static func tokens(fitting bytes: Int, longest: Int, backend: any EmbeddingBackend) -> Int {
        var lo = 0, hi = 1
        while backend.activationBytes(tokens: hi, longest: min(hi, longest)) <= bytes && hi < 1 << 30 { lo = hi; hi *= 2 }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if backend.activationBytes(tokens: mid, longest: min(mid, longest)) <= bytes { lo = mid } else { hi = mid }
        }
        return lo
    }

    public var description: String {
        let mb = { (b: Int) in "\(b >> 20) MiB" }
        return "limit \(mb(limit)): model and runtime \(mb(baseline)), slack \(mb(slack)), forward pass \(mb(passBytes)) (batches of \(batchTokens) tokens, inputs up to \(inputTokens)), requests in flight \(mb(requestBytes))"
    }

    /// Requests handled at once such that their bodies (at most `maxRequestBytes` each) fit an eighth
    /// of `limit`.
    public static func admittedConcurrency(_ configured: Int, limit: Int?, maxRequestBytes: Int) -> Int {
        guard let limit else { return configured }
        return max(1, min(configured, limit / 8 / max(1, maxRequestBytes)))
    }

    /// An upper bound of what a request holds while handled: its body and decoded texts, token ids and
    /// tokenizer state for at most one token per body byte (plus special and prompt tokens), its
    /// vectors in fp32 and as JSON.
    public static func requestBytes(body: Int, inputs: Int, promptTokens: Int, vectors: Int, dimension: Int) -> Int {
        let tokens = body + inputs * (promptTokens + 2)
        return 2 * body + 64 * tokens + vectors * dimension * (8 + 24) + 4096
    }
}

public struct MemoryBudgetError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Reservations of `MemoryBudget.requestBytes` by requests in flight.
final class MemoryAdmission: @unchecked Sendable {
    let budget: MemoryBudget
    private let lock = NSLock()
    private var reserved = 0
    private let metrics: ServerMetrics

    init(budget: MemoryBudget, metrics: ServerMetrics) {
        self.budget = budget
        self.metrics = metrics
    }

    /// Reserves `bytes` until `release`; `memoryBusy` when they do not fit now, `tooLargeForMemory` when
    /// they never could.
    func reserve(_ bytes: Int) throws {
        guard bytes <= budget.requestBytes else {
            throw EngineError.tooLargeForMemory(bytes: bytes, available: budget.requestBytes)
        }
        let ok = lock.withLock { () -> Bool in
            guard reserved + bytes <= budget.requestBytes else { return false }
            reserved += bytes
            return true
        }
        guard ok else {
            metrics.memoryRejections.increment()
            throw EngineError.memoryBusy
        }
        metrics.memoryReserved.set(Int64(current))
    }

    func release(_ bytes: Int) {
        lock.withLock { reserved -= bytes }
        metrics.memoryReserved.set(Int64(current))
    }

    var current: Int { lock.withLock { reserved } }
}

/// A size such as `2GB`, `1.5GiB`, `800M`, `512MiB` or a number of bytes (decimal units are powers of
/// 1000, binary ones of 1024; a bare `K`, `M`, `G` counts as binary, as Kubernetes' `Mi` and docker's `m`).
public enum ByteSize {
    public static func parse(_ text: String) -> Int? {
        let s = text.trimmingCharacters(in: .whitespaces)
        let digits = s.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits), value >= 0 else { return nil }
        let unit = s.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        let kib = 1024.0, mib = kib * 1024, gib = mib * 1024, tib = gib * 1024
        let factors: [String: Double] = [
            "": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
            "k": kib, "m": mib, "g": gib, "t": tib, "ki": kib, "mi": mib, "gi": gib, "ti": tib,
            "kib": kib, "mib": mib, "gib": gib, "tib": tib,
        ]
        guard let factor = factors[unit] else { return nil }
        let bytes = value * factor
        return bytes < 9e18 ? Int(bytes) : nil
    }
}
