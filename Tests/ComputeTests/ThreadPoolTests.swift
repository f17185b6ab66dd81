import EmbedKitCKernels
import EmbedKitCompute
import Foundation
import Testing

/// ThreadPool.parallelFor over the process's worker threads: each item exactly once, whatever the thread
/// count; loops from several threads at once and loops inside loops (which the workers refuse and
/// Dispatch runs) finish with the right results.
@Suite struct ThreadPoolTests {
    /// Counts calls per item; thread-safe through one atomic add per item.
    final class Hits: @unchecked Sendable {
        let counts: UnsafeMutablePointer<Int>
        let n: Int
        init(_ n: Int) { self.n = n; counts = .allocate(capacity: n); counts.initialize(repeating: 0, count: n) }
        deinit { counts.deallocate() }
        func hit(_ i: Int) { _ = ek_atomic_fetch_add(counts + i, 1) }
        var exactlyOnce: Bool { (0..<n).allSatisfy { counts[$0] == 1 } }
    }

    /// Up to 7 workers whatever this machine has (the budget raised: oversubscribed on 2 cores, never
    /// wrong), then the real budget, where loops wider than the CPUs run on Dispatch.
    @Test(.serialized, arguments: [8, 0])
    func everyItemOnceForEveryThreadCount(_ budget: Int32) {
        let saved = ek_pool_cpu_budget(budget)
        defer { ek_pool_cpu_budget(saved) }
        for threads in [2, 3, 5, 8] {
            let pool = ThreadPool(threads: threads)
            for count in [2, 3, 7, 64, 1000] {
                let hits = Hits(count)
                pool.parallelFor(count) { hits.hit($0) }
                #expect(hits.exactlyOnce, "threads \(threads) count \(count)")
            }
        }
    }

    @Test func concurrentAndNestedLoops() async {
        await withTaskGroup(of: Bool.self) { group in
            for caller in 0..<6 {
                group.addTask {
                    let pool = ThreadPool(threads: 2 + caller % 3)
                    var ok = true
                    for round in 0..<200 {
                        let outer = 3 + round % 5, inner = 2 + round % 7
                        let hits = Hits(outer * inner)
                        pool.parallelFor(outer) { i in pool.parallelFor(inner) { j in hits.hit(i * inner + j) } }
                        ok = ok && hits.exactlyOnce
                    }
                    return ok
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
