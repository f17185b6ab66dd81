import EmbedKitCKernels
import Foundation

/// An additive attention bias by the key's offset from the query, j − i, and the head (MPNet's relative
/// position buckets): `value(h, j − i)` for |j − i| ≤ `maxDistance`, one table per head.
public struct DistanceBias: Sendable {
    let values: [Float]
    public let maxDistance: Int
    let stride: Int

    public init(heads: Int, maxDistance: Int, value: (_ head: Int, _ distance: Int) -> Float) {
        self.maxDistance = maxDistance
        // The kernel reads whole vectors past the last key: 64 floats of padding per head.
        stride = 2 * maxDistance + 1 + 64
        var v = [Float](repeating: 0, count: heads * stride)
        for h in 0..<heads {
            for d in -maxDistance...maxDistance { v[h * stride + d + maxDistance] = value(h, d) }
        }
        values = v
    }

    /// The bias of head `h` for offset `distance`.
    public func value(head h: Int, distance: Int) -> Float { values[h * stride + distance + maxDistance] }
}

/// Which keys a query sees, by their offset j − i: from −`before` to +`after` (nil: unbounded).
/// ModernBERT's local layers: ±64; a decoder: `after` 0 (causal).
public struct AttentionWindow: Sendable, Equatable {
    public var before: Int?
    public var after: Int?

    public init(before: Int?, after: Int?) {
        precondition((before ?? 0) >= 0 && (after ?? 0) >= 0, "AttentionWindow: negative bound")
        self.before = before
        self.after = after
    }

    /// Keys within `radius` positions either side (inclusive).
    public static func symmetric(_ radius: Int) -> AttentionWindow { AttentionWindow(before: radius, after: radius) }
    /// Keys at or before the query.
    public static let causal = AttentionWindow(before: nil, after: 0)
}

/// Multi-head self-attention over a batch of variable-length sequences (no padding rows), with an
/// optional symmetric ALiBi bias −slope_h·|i−j|. Keys of other sequences are never seen, which is
/// the same as HF's key-padding mask.
///
/// Flash-style: per (sequence, head, block of query rows) the kernel streams 256-key blocks of K and V,
/// computes the QKᵀ block with the GEMM micro-kernel, updates a running softmax (max, sum) and
/// accumulates P·V. Scores are never materialised beyond one 96×256 block; a job holds its sequence's
/// packed K and V (O(L·d) floats), never an L×L matrix.
public enum Attention {
    /// ALiBi slopes for `heads` heads, as the JinaBERT reference computes them (any head count).
    public static func alibiSlopes(heads: Int) -> [Float] {
        func powerOfTwo(_ n: Int) -> [Double] {
            let start = pow(2.0, -8.0 / Double(n))
            return (1...n).map { pow(start, Double($0)) }
        }
        if heads <= 0 { return [] }
        let p = 1 << Int(floor(log2(Double(heads))))
        if p == heads { return powerOfTwo(heads).map(Float.init) }
        let extra = powerOfTwo(2 * p).enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        return (powerOfTwo(p) + extra.prefix(heads - p)).map(Float.init)
    }

    /// out[t, h·d ..< (h+1)·d] = softmax(q·kᵀ·scale + bias)·v per sequence and head.
    /// `q`, `k`, `v` rows are `rowStride` floats apart (e.g. a fused [tokens, 3H] QKV buffer);
    /// `out` rows are `heads·headDim` floats apart. `reducedPrecision` (a bf16 or int8 model): Q·Kᵀ and P·V
    /// from bf16-rounded operands with fp32 sums where the CPU has a bf16 dot product (AVX512-BF16, ARM BF16),
    /// fp32 elsewhere.
    public static func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                               rowStride: Int, out: UnsafeMutablePointer<Float>,
                               batch: SequenceBatch, heads: Int, headDim: Int, scale: Float,
                               alibiSlopes: [Float]?, distanceBias: DistanceBias? = nil, window: AttentionWindow? = nil,
                               keyValueHeads: Int? = nil, reducedPrecision: Bool = false, pool: ThreadPool) {
        // Grouped-query attention: query head h reads key/value head h / (heads / keyValueHeads).
        let kvHeads = keyValueHeads ?? heads
        precondition(kvHeads > 0 && heads % kvHeads == 0, "Attention: \(heads) query heads over \(kvHeads) key/value heads")
        let group = heads / kvHeads
        precondition(alibiSlopes == nil || alibiSlopes!.count >= heads, "Attention: \(alibiSlopes!.count) ALiBi slopes for \(heads) heads")
        precondition(distanceBias == nil || distanceBias!.maxDistance + 1 >= (batch.lengths.max() ?? 0),
                     "Attention: a distance bias up to \(distanceBias!.maxDistance) for sequences of \(batch.lengths.max() ?? 0)")
        if heads <= 0 || headDim <= 0 { return }
        let outStride = heads * headDim
        let block = Int(ek_attention_query_block())
        // Jobs: (sequence, head, range of query blocks), longest sequences first. Each job packs its
        // sequence's K and V once, so query ranges are only split when there are too few jobs
        // (fewer than 4 per thread) to keep every thread busy.
        let active = batch.lengths.filter { $0 > 0 }
        let wanted = 4 * pool.threads
        var jobs: [(seq: Int, head: Int, q0: Int, q1: Int)] = []
        for s in batch.lengths.indices.sorted(by: { batch.lengths[$0] > batch.lengths[$1] }) {
            let len = batch.lengths[s]
            if len == 0 { continue }
            let blocks = (len + block - 1) / block
            let split = min(blocks, max(1, (wanted + active.count * heads - 1) / (active.count * heads)))
            let per = (blocks + split - 1) / split * block
            for q0 in stride(from: 0, to: len, by: per) {
                for h in 0..<heads { jobs.append((s, h, q0, min(len, q0 + per))) }
            }
        }
        let isa = pool.isa, bf16: Int32 = reducedPrecision ? 1 : 0
        let empty: [Float] = []
        (distanceBias?.values ?? empty).withUnsafeBufferPointer { table in
            jobs.withUnsafeBufferPointer { jobs in
                pool.parallelFor(jobs.count) { i in
                    let job = jobs[i]
                    let base = batch.offsets[job.seq], len = batch.lengths[job.seq]
                    let col = job.head * headDim, kvCol = job.head / group * headDim
                    // The head's table, shifted so that index (j − i) + len − 1 is offset j − i.
                    let bias = distanceBias.map { table.baseAddress! + job.head * $0.stride + $0.maxDistance - (len - 1) }
                    let status = ek_attention(isa, q + base * rowStride + col, k + base * rowStride + kvCol,
                                              v + base * rowStride + kvCol, Int32(rowStride), out + base * outStride + col,
                                              Int32(outStride), Int32(len), Int32(headDim), Int32(job.q0), Int32(job.q1),
                                              scale, alibiSlopes?[job.head] ?? 0, bias,
                                              Int32(window?.before ?? -1), Int32(window?.after ?? -1), bf16)
                    if status != 0 { fatalError("Attention: out of memory for a \(len)-token block") }
                }
            }
        }
    }
}
