import Foundation
import Tracing

/// Threads of their own for tokenization, as TEI's router tokenizes off its request tasks: a handler
/// hands its inputs over and awaits the result, so neither the NIO event loops nor Swift's cooperative
/// pool run the tokenizer. The count follows `--threads`.
final class TokenizationWorkers: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false
    private var alive = 0

    init(threads: Int) {
        for n in 0..<max(1, threads) {
            let thread = Thread { [self] in self.loop() }
            thread.name = "embedkit-tokenizer-\(n)"
            alive += 1
            thread.start()
        }
    }

    /// Runs `body` on a worker thread and returns its result (traced as a "tokenize" span).
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withSpan("tokenize") { _ in try await dispatch(body) }
    }

    /// The result crosses from the worker thread to the awaiting task through a lock (besides the
    /// continuation), so the hand-over of everything the tokenizer built is a synchronization
    /// ThreadSanitizer sees too.
    private func dispatch<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let box = Locked<Result<T, Error>?>(nil)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            condition.lock()
            defer { condition.unlock() }
            guard !stopping else {
                continuation.resume(throwing: EngineError.shuttingDown)
                return
            }
            jobs.append {
                let result = Result { try body() }
                box.withLock { $0 = result }
                continuation.resume()
            }
            condition.signal()
        }
        return try box.withLock { $0! }.get()
    }

    /// Finishes the jobs queued, then ends the threads.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while alive > 0 { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                alive -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
