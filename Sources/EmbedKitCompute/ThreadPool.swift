import EmbedKitCKernels
import Foundation

/// Runs data-parallel loops on a fixed number of threads (the process's worker threads of `ek_pool_run`,
/// or Dispatch's when those are busy; no thread is created per call) and carries the kernel family used
/// by the operations it runs.
public final class ThreadPool: @unchecked Sendable {
    public let threads: Int
    /// Kernel family for operations run with this pool; nil = `ComputeBackend.active`.
    public let backend: ComputeBackend?
    /// Tests: a kernel family by its EK_ISA_* value (test twins included), instead of `backend`.
    private let family: Int32?

    /// `threads` nil or 0: all available cores. `backend` nil: the process-wide choice
    /// (`ComputeBackend.active`). An unsupported `backend` falls back to the process-wide choice.
    public convenience init(threads: Int? = nil, backend: ComputeBackend? = nil) {
        let n = threads ?? 0
        self.init(count: n > 0 ? n : max(1, ProcessInfo.processInfo.activeProcessorCount), backend: backend, family: nil)
    }

    /// Tests: a pool whose operations run kernel family `isa` (an EK_ISA_* value, e.g. a test twin such as
    /// EK_ISA_AVX2_VNNI_EVEX) where this CPU runs it, else the process-wide choice.
    package convenience init(threads: Int, kernelFamily isa: Int32) {
        self.init(count: max(1, threads), backend: nil, family: isa)
    }

    private init(count: Int, backend: ComputeBackend?, family: Int32?) {
        self.threads = count
        self.backend = backend
        self.family = family
    }

    /// One thread (the caller's) with this pool's kernel family.
    package var singleThreaded: ThreadPool { ThreadPool(count: 1, backend: backend, family: family) }

    public static let shared = ThreadPool()

    /// The family operations on this pool actually use.
    public var resolvedBackend: ComputeBackend { ComputeBackend(isa: isa) }

    var isa: Int32 { ek_resolve_isa(family ?? backend?.isa ?? -1) }

    /// Calls `body(i)` for i in 0..<count, spread over at most `threads` threads. Items are handed out
    /// dynamically, so a thread slowed down by other load does fewer of them. The calling thread works
    /// too, beside the process's worker threads (`ek_pool_run`: they spin briefly between loops, so the
    /// many short loops of a forward pass do not pay a thread wake-up each); when those are busy with
    /// another loop (another caller's, or this loop's own inner loop), Dispatch's threads run it instead.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if threads == 1 || count == 1 {
            for i in 0..<count { body(i) }
            return
        }
        let ran = withoutActuallyEscaping(body) { body -> Bool in
            var job = body
            return withUnsafeMutablePointer(to: &job) { job in
                ek_pool_run(Int32(min(threads, Int(Int32.max))), count, { context, i in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(i)
                }, job) == 0
            }
        }
        if ran { return }
        withoutActuallyEscaping(body) { body in
            if count <= threads {
                DispatchQueue.concurrentPerform(iterations: count) { body($0) }
                return
            }
            let next = UnsafeMutablePointer<Int>.allocate(capacity: 1)
            next.initialize(to: 0)
            defer { next.deallocate() }
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                while true {
                    let i = ek_atomic_fetch_add(next, 1)
                    if i >= count { break }
                    body(i)
                }
            }
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
