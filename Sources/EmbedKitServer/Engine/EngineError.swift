/// Why the engine front (queue, tokenization workers, memory admission) could not take or finish a
/// request. No HTTP here: `APIError(_:route:)` chooses the status at the HTTP edge.
enum EngineError: Error, Sendable, CustomStringConvertible {
    /// The model is loading, failed to load, or the server is stopping.
    case notReady(String)
    case shuttingDown
    /// The memory budget is in use by other requests now; retrying later can work.
    case memoryBusy
    /// The request can never fit the memory left for requests in flight.
    case tooLargeForMemory(bytes: Int, available: Int)
    /// Input `index` needs a forward pass longer than the memory budget allows.
    case passTooLong(index: Int, tokens: Int, limit: Int)
    /// The forward pass failed or returned the wrong number of vectors.
    case forwardFailed(String)

    var description: String {
        switch self {
        case .notReady(let why): return why
        case .shuttingDown: return "the server is shutting down"
        case .memoryBusy: return "the server's memory budget (--max-memory) is in use by other requests; retry shortly"
        case .tooLargeForMemory(let bytes, let available):
            return "the request would need about \(bytes >> 20) MiB while handled; --max-memory leaves \(available >> 20) MiB for requests in flight: send fewer or shorter inputs"
        case .passTooLong(let index, let tokens, let limit):
            return "input \(index) needs a forward pass of \(tokens) tokens; the server's memory budget (--max-memory) allows at most \(limit)"
        case .forwardFailed(let why): return "embedding failed: \(why)"
        }
    }
}
