import Foundation

/// Dynamic batching: inputs of all requests wait in one FIFO queue; a dedicated worker thread takes
/// the oldest inputs up to the token budget, sorts them by length, cuts them into forward passes whose
/// padded size (inputs × longest) stays within the budget, runs them one at a time through the engine,
/// and hands each request its own rows. The engine never runs on the NIO event loops or the Swift
/// cooperative pool.
final class BatchScheduler: @unchecked Sendable {
    private final class Job {
        var results: [[Float]?]
        var remaining: Int
        var continuation: CheckedContinuation<[[Float]], Error>?
        var finished = false

        init(rows: Int) {
            results = Array(repeating: nil, count: rows)
            remaining = rows
        }
    }

    private struct Item {
        let job: Job
        let row: Int
        let ids: [Int]
        let promptLength: Int
    }

    private let backend: any EmbeddingBackend
    private let maxBatchTokens: Int
    private let metrics: ServerMetrics
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var queue: [Item] = []
    private var head = 0
    private var stopping = false
    private var running = false
    private var workerDone = false

    init(backend: any EmbeddingBackend, maxBatchTokens: Int, metrics: ServerMetrics) {
        self.backend = backend
        self.maxBatchTokens = max(maxBatchTokens, 1)
        self.metrics = metrics
    }

    /// Inputs waiting for the engine.
    var queueSize: Int { condition.lock(); defer { condition.unlock() }; return queue.count - head }

    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !running else { return }
        running = true
        let thread = Thread { [self] in self.workerLoop() }
        thread.name = "embedkit-batch-worker"
        thread.start()
    }

    /// Lets the worker finish everything queued, then stops it. Later submissions fail.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running && !workerDone { condition.wait() }
        condition.unlock()
    }

    /// Embeddings of `rows` (token ids), in order. Throws CancellationError if the calling task is
    /// cancelled (e.g. the client went away) before its rows were computed.
    func submit(_ rows: [PreparedInput]) async throws -> [[Float]] {
        if rows.isEmpty { return [] }
        let job = Job(rows: rows.count)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[[Float]], Error>) in
                condition.lock()
                defer { condition.unlock() }
                if stopping || !running {
                    job.finished = true
                    continuation.resume(throwing: APIError(.serviceUnavailable, .unavailable, "the server is shutting down"))
                    return
                }
                if Task.isCancelled {
                    job.finished = true
                    continuation.resume(throwing: CancellationError())
                    return
                }
                job.continuation = continuation
                for (i, input) in rows.enumerated() {
                    queue.append(Item(job: job, row: i, ids: input.ids, promptLength: input.promptLength))
                }
                metrics.queueSize.set(Int64(queue.count - head))
                condition.signal()
            }
        } onCancel: {
            condition.lock()
            defer { condition.unlock() }
            finish(job, with: .failure(CancellationError()))
        }
    }

    /// Resumes a job once; must hold the lock.
    private func finish(_ job: Job, with result: Result<[[Float]], Error>) {
        guard !job.finished else { return }
        job.finished = true
        job.continuation?.resume(with: result)
        job.continuation = nil
    }

    private func workerLoop() {
        while let window = nextWindow() {
            let sorted = window.sorted { $0.ids.count < $1.ids.count }
            var pass: [Item] = []
            for item in sorted {
                if !pass.isEmpty && (pass.count + 1) * item.ids.count > maxBatchTokens {
                    run(pass)
                    pass.removeAll(keepingCapacity: true)
                }
                pass.append(item)
            }
            if !pass.isEmpty { run(pass) }
        }
        condition.lock()
        workerDone = true
        condition.broadcast()
        condition.unlock()
    }

    /// The oldest live inputs whose tokens fit the budget (at least one); nil once stopping and drained.
    private func nextWindow() -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            var window: [Item] = []
            var tokens = 0
            while head < queue.count {
                let item = queue[head]
                if item.job.finished { head += 1; continue }
                if !window.isEmpty && tokens + item.ids.count > maxBatchTokens { break }
                window.append(item)
                tokens += item.ids.count
                head += 1
            }
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 4096 {
                queue.removeFirst(head)
                head = 0
            }
            metrics.queueSize.set(Int64(queue.count - head))
            if !window.isEmpty { return window }
            if stopping { return nil }
            condition.wait()
        }
    }

    private func run(_ pass: [Item]) {
        // Inputs whose request was cancelled meanwhile are skipped.
        condition.lock()
        let live = pass.filter { !$0.job.finished }
        condition.unlock()
        if live.isEmpty { return }

        let ids = live.map(\.ids)
        let longest = ids.map(\.count).max() ?? 0
        let tokenCount = ids.reduce(0) { $0 + $1.count }
        let start = ContinuousClock.now
        let promptLengths = live.map(\.promptLength)
        let result = Result { try backend.embed(tokenIDs: ids, promptLengths: promptLengths) }
        metrics.recordBatch(size: live.count, tokens: tokenCount, paddedTokens: live.count * longest,
                            duration: ContinuousClock.now - start)

        condition.lock()
        defer { condition.unlock() }
        switch result {
        case .success(let vectors) where vectors.count == live.count:
            for (item, vector) in zip(live, vectors) where !item.job.finished {
                item.job.results[item.row] = vector
                item.job.remaining -= 1
                if item.job.remaining == 0 {
                    finish(item.job, with: .success(item.job.results.map { $0! }))
                }
            }
        case .success(let vectors):
            let error = APIError(.internalServerError, .server,
                                 "the engine returned \(vectors.count) embeddings for \(live.count) inputs")
            for item in live { finish(item.job, with: .failure(error)) }
        case .failure(let error):
            let apiError = APIError(.internalServerError, .server, "embedding failed: \(error)")
            for item in live { finish(item.job, with: .failure(apiError)) }
        }
    }
}
