import Foundation

/// Runs data-parallel loops on a fixed number of threads.
public final class ThreadPool: @unchecked Sendable {
    public let threads: Int

    /// `threads` nil or 0: all available cores.
    public init(threads: Int? = nil) {
        let n = threads ?? 0
        self.threads = n > 0 ? n : max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    public static let shared = ThreadPool()

    /// Calls `body(i)` for i in 0..<count, spread over the pool's threads.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if threads == 1 || count == 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: count) { body($0) }
        }
    }

    /// Splits 0..<count into about `threads` contiguous chunks and calls `body(range)` for each.
    public func parallelChunks(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = max(1, min(threads, count / max(1, minimumChunk)))
        if chunks == 1 { body(0..<count); return }
        let per = (count + chunks - 1) / chunks
        parallelFor(chunks) { c in
            let lo = c * per, hi = min(count, lo + per)
            if lo < hi { body(lo..<hi) }
        }
    }
}
