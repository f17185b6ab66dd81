import EmbedKit
import Foundation
import Tracing

/// Dynamic batching: inputs of all requests wait in one FIFO queue; a dedicated worker thread takes
/// the oldest inputs that `BatchBudget` admits (real tokens; the engine never pads), runs them as one
/// forward pass, and hands each request its own rows. The engine never runs on the NIO event loops or
/// the Swift cooperative pool.
final class BatchScheduler: @unchecked Sendable {
    private final class Job {
        /// Per input, its vectors (one, or one per late-chunking span).
        var results: [[[Float]]?]
        var remaining: Int
        var continuation: CheckedContinuation<[[Float]], Error>?
        var finished = false
        /// The request's trace context, and its "queue" span (ended when its first input starts a pass).
        let context: ServiceContext
        var queueSpan: (any Span)?

        init(rows: Int, context: ServiceContext) {
            results = Array(repeating: nil, count: rows)
            remaining = rows
            self.context = context
        }
    }

    private struct Item {
        let job: Job
        let row: Int
        let input: PreparedInput
    }

    private let backend: any EmbeddingBackend
    private let budget: BatchBudget
    private let metrics: ServerMetrics
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var queue: [Item] = []
    private var head = 0
    /// Tokens of the inputs in `queue[head...]` (finished jobs' inputs included until skipped).
    private var queuedTokens = 0
    private var stopping = false
    private var running = false
    private var workerDone = false

    /// The longest input (or late-chunking window) a pass may hold: the memory budget's limit.
    private let maxInputTokens: Int

    init(backend: any EmbeddingBackend, budget: BatchBudget, maxInputTokens: Int = .max, metrics: ServerMetrics) {
        self.backend = backend
        self.budget = budget
        self.maxInputTokens = maxInputTokens
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

    /// Embeddings of `rows` (token ids), in order: one per row, or one per span of a row with
    /// late-chunking spans. Throws CancellationError if the calling task is
    /// cancelled (e.g. the client went away) before its rows were computed.
    func submit(_ rows: [PreparedInput]) async throws -> [[Float]] {
        if rows.isEmpty { return [] }
        for (i, row) in rows.enumerated() {
            let tokens = row.window.map { min($0.size, row.ids.count) } ?? row.ids.count
            if tokens > maxInputTokens {
                throw EngineError.passTooLong(index: i, tokens: tokens, limit: maxInputTokens)
            }
        }
        let context = ServiceContext.current ?? .topLevel
        let job = Job(rows: rows.count, context: context)
        let queueSpan = InstrumentationSystem.tracer.startSpan("queue", context: context)
        queueSpan.attributes["embedkit.inputs"] = rows.count
        queueSpan.attributes["embedkit.tokens"] = rows.reduce(0) { $0 + $1.ids.count }
        job.queueSpan = queueSpan
        defer { endQueueSpan(of: job) }   // a job no pass took (cancelled, failed, shut down)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[[Float]], Error>) in
                condition.lock()
                defer { condition.unlock() }
                if stopping || !running {
                    job.finished = true
                    continuation.resume(throwing: EngineError.shuttingDown)
                    return
                }
                if Task.isCancelled {
                    job.finished = true
                    continuation.resume(throwing: CancellationError())
                    return
                }
                job.continuation = continuation
                for (i, input) in rows.enumerated() {
                    queue.append(Item(job: job, row: i, input: input))
                    queuedTokens += input.ids.count
                }
                metrics.queueSize.set(Int64(queue.count - head))
                metrics.queueTokens.set(Int64(queuedTokens))
                condition.signal()
            }
        } onCancel: {
            condition.lock()
            defer { condition.unlock() }
            finish(job, with: .failure(CancellationError()))
        }
    }

    private func endQueueSpan(of job: Job) {
        condition.lock()
        let open = job.queueSpan
        job.queueSpan = nil
        condition.unlock()
        open?.end()
    }

    /// Resumes a job once; must hold the lock.
    private func finish(_ job: Job, with result: Result<[[Float]], Error>) {
        guard !job.finished else { return }
        job.finished = true
        job.continuation?.resume(with: result)
        job.continuation = nil
    }

    private func workerLoop() {
        while let pass = nextPass() { run(pass) }
        condition.lock()
        workerDone = true
        condition.broadcast()
        condition.unlock()
    }

    /// The oldest live inputs the budget admits (at least one); nil once stopping and drained.
    private func nextPass() -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            var window: [Item] = []
            var tokens = 0
            while head < queue.count {
                let item = queue[head]
                if item.job.finished { head += 1; queuedTokens -= item.input.ids.count; continue }
                if !budget.admits(item.input.ids.count, inputs: window.count, tokens: tokens) { break }
                window.append(item)
                tokens += item.input.ids.count
                head += 1
                queuedTokens -= item.input.ids.count
            }
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 4096 {
                queue.removeFirst(head)
                head = 0
            }
            metrics.queueSize.set(Int64(queue.count - head))
            metrics.queueTokens.set(Int64(queuedTokens))
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

        let inputs = live.map(\.input)
        let passTokens = inputs.reduce(0) { $0 + $1.ids.count }
        // The pass is traced under the first request it serves, linked to every other one.
        var jobs: [Job] = []
        var waited: [any Span] = []
        condition.lock()
        for item in live where !jobs.contains(where: { $0 === item.job }) {
            if let s = item.job.queueSpan { waited.append(s) }
            item.job.queueSpan = nil
            jobs.append(item.job)
        }
        condition.unlock()
        for s in waited { s.end() }
        let contexts = jobs.map(\.context)
        let span = InstrumentationSystem.tracer.startSpan("forward", context: contexts[0])
        span.attributes["embedkit.batch.inputs"] = inputs.count
        span.attributes["embedkit.batch.tokens"] = passTokens
        span.attributes["embedkit.batch.requests"] = contexts.count
        for other in contexts.dropFirst() { span.addLink(SpanLink(context: other, attributes: [:])) }
        defer { span.end() }
        metrics.inFlightTokens.set(Int64(passTokens))
        let start = ContinuousClock.now
        let results = forward(inputs, jobs: live.map { ObjectIdentifier($0.job) })
        metrics.inFlightTokens.set(Int64(0))
        metrics.recordBatch(size: inputs.count, tokens: passTokens, duration: ContinuousClock.now - start)

        condition.lock()
        defer { condition.unlock() }
        for (n, item) in live.enumerated() {
            guard !item.job.finished else { continue }
            switch results[n] {
            case .success(let mine):
                item.job.results[item.row] = mine
                item.job.remaining -= 1
                if item.job.remaining == 0 {
                    finish(item.job, with: .success(item.job.results.flatMap { $0! }))
                }
            case .failure(let error):
                finish(item.job, with: .failure(error))
            }
        }
    }

    /// Per input, its vectors from one forward pass. When a pass that serves several requests fails,
    /// each request's inputs run again on their own, so one request that breaks the engine fails alone.
    private func forward(_ inputs: [PreparedInput], jobs: [ObjectIdentifier]) -> [Result<[[Float]], Error>] {
        let expected = inputs.reduce(0) { $0 + $1.vectorCount }
        let outcome = Result { try backend.forward(inputs) }.flatMap { vectors -> Result<[[Float]], Error> in
            vectors.count == expected ? .success(vectors)
                : .failure(EngineError.forwardFailed("the engine returned \(vectors.count) embeddings for \(expected) expected"))
        }
        switch outcome {
        case .success(let vectors):
            return PreparedInput.split(vectors, by: inputs).map { .success(Array($0)) }
        case .failure(let error) where Set(jobs).count > 1:
            var results = [Result<[[Float]], Error>](repeating: .failure(error), count: inputs.count)
            for job in Set(jobs) {
                let mine = jobs.indices.filter { jobs[$0] == job }
                for (i, r) in zip(mine, forward(mine.map { inputs[$0] }, jobs: mine.map { jobs[$0] })) { results[i] = r }
            }
            return results
        case .failure(let error):
            let reason = (error as? EngineError) ?? EngineError.forwardFailed("\(error)")
            return inputs.map { _ in .failure(reason) }
        }
    }
}
