import EmbedKitCKernels
import EmbedKitCompute
import Foundation
import Testing

/// Softmax attention in Double, one sequence and head at a time.
func referenceAttention(q: [Float], k: [Float], v: [Float], rowStride: Int, lengths: [Int], heads: Int, d: Int,
                        scale: Float, slopes: [Float]?, window: AttentionWindow? = nil) -> [Double] {
    let batch = SequenceBatch(lengths: lengths)
    var out = [Double](repeating: 0, count: batch.totalTokens * heads * d)
    for s in 0..<batch.count {
        let base = batch.offsets[s], len = batch.lengths[s]
        for h in 0..<heads {
            for i in 0..<len {
                var scores = [Double](repeating: 0, count: len)
                for j in 0..<len {
                    var dot = 0.0
                    for c in 0..<d { dot += Double(q[(base + i) * rowStride + h * d + c]) * Double(k[(base + j) * rowStride + h * d + c]) }
                    scores[j] = dot * Double(scale) - Double(slopes?[h] ?? 0) * Double(abs(i - j))
                    if let b = window?.before, j < i - b { scores[j] = -.infinity }
                    if let a = window?.after, j > i + a { scores[j] = -.infinity }
                }
                let m = scores.max()!
                let e = scores.map { Foundation.exp($0 - m) }
                let total = e.reduce(0, +)
                for c in 0..<d {
                    var acc = 0.0
                    for j in 0..<len { acc += e[j] * Double(v[(base + j) * rowStride + h * d + c]) }
                    out[(base + i) * heads * d + h * d + c] = acc / total
                }
            }
        }
    }
    return out
}

@Suite struct AttentionTests {
    /// Fused QKV buffer [tokens, 3·heads·d] as the models produce it.
    func check(lengths: [Int], heads: Int, d: Int, alibi: Bool, backend: ComputeBackend, threads: Int,
               window: AttentionWindow? = nil, spread: Float = 2, atol: Double = 2e-6, rtol: Double = 2e-5) {
        let batch = SequenceBatch(lengths: lengths)
        let hd = heads * d, stride = 3 * hd
        var rng = Rand(UInt64(lengths.reduce(7, +) * 31 + heads * 7 + d))
        let qkv = rng.array(batch.totalTokens * stride, scale: spread)
        let scale = 1 / Float(d).squareRoot()
        let slopes = alibi ? Attention.alibiSlopes(heads: heads) : nil
        var out = [Float](repeating: .nan, count: batch.totalTokens * hd)
        qkv.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                Attention.forward(q: p.baseAddress!, k: p.baseAddress! + hd, v: p.baseAddress! + 2 * hd, rowStride: stride,
                                  out: o.baseAddress!, batch: batch, heads: heads, headDim: d, scale: scale,
                                  alibiSlopes: slopes, window: window, pool: ThreadPool(threads: threads, backend: backend))
            }
        }
        // Split the fused buffer into separate Q, K, V views for the reference (same stride).
        let ref = referenceAttention(q: qkv, k: Array(qkv.dropFirst(hd)) + [Float](repeating: 0, count: hd),
                                     v: Array(qkv.dropFirst(2 * hd)) + [Float](repeating: 0, count: 2 * hd),
                                     rowStride: stride, lengths: lengths, heads: heads, d: d, scale: scale, slopes: slopes,
                                     window: window)
        #expect(out.allSatisfy { $0.isFinite })
        #expect(worstRatio(out, ref, atol: atol, rtol: rtol) <= 1,
                "\(backend) lengths \(lengths) heads \(heads) d \(d) alibi \(alibi) window \(String(describing: window))")
    }

    /// Reduced precision: on a family with a bf16 dot product (here AVX512-BF16 under `avx512`) Q·Kᵀ and P·V
    /// come from bf16-rounded operands, within 1e-2 of the reference on rounded Q, K and V (P is rounded too;
    /// values up to ±2); on the others the fp32 result, bit for bit. Two key blocks, windows and ALiBi.
    @Test(arguments: testBackends)
    func reducedPrecisionProducts(_ backend: ComputeBackend) {
        let lengths = [1, 7, 130, 300], heads = 2, d = 40
        let batch = SequenceBatch(lengths: lengths)
        let hd = heads * d, stride = 3 * hd
        var rng = Rand(41)
        let qkv = rng.array(batch.totalTokens * stride, scale: 2)
        let pairs = ek_gemm_family(backend.isa, Int32(EK_DT_BF16_PAIRS)) == Int32(EK_ISA_AVX512_BF16)
            || ek_gemm_family(backend.isa, Int32(EK_DT_BF16_PAIRS)) == Int32(EK_ISA_NEON_BF16)
        let rounded = pairs ? qkv.map { Float(bitPattern: UInt32(ek_bf16_from_f32($0)) << 16) } : qkv
        for (window, alibi) in [(nil, true), (AttentionWindow.symmetric(9), false), (.causal, true)] {
            let slopes = alibi ? Attention.alibiSlopes(heads: heads) : nil
            var outs = [[Float]]()
            for reduced in [false, true] {
                var out = [Float](repeating: .nan, count: batch.totalTokens * hd)
                qkv.withUnsafeBufferPointer { p in
                    out.withUnsafeMutableBufferPointer { o in
                        Attention.forward(q: p.baseAddress!, k: p.baseAddress! + hd, v: p.baseAddress! + 2 * hd, rowStride: stride,
                                          out: o.baseAddress!, batch: batch, heads: heads, headDim: d, scale: 1 / Float(d).squareRoot(),
                                          alibiSlopes: slopes, window: window, reducedPrecision: reduced,
                                          pool: ThreadPool(threads: 2, backend: backend))
                    }
                }
                outs.append(out)
            }
            if !pairs {
                #expect(outs[0] == outs[1], "\(backend): without a bf16 dot product, reduced precision is fp32")
                continue
            }
            let ref = referenceAttention(q: rounded, k: Array(rounded.dropFirst(hd)) + [Float](repeating: 0, count: hd),
                                         v: Array(rounded.dropFirst(2 * hd)) + [Float](repeating: 0, count: 2 * hd),
                                         rowStride: stride, lengths: lengths, heads: heads, d: d, scale: 1 / Float(d).squareRoot(),
                                         slopes: slopes, window: window)
            #expect(worstRatio(outs[1], ref, atol: 1e-2, rtol: 0) <= 1, "\(backend) bf16 window \(String(describing: window))")
            #expect(outs[0] != outs[1], "\(backend): the bf16 path ran")
        }
    }

    @Test(arguments: testBackends)
    func multipleSequencesWithAndWithoutAlibi(_ backend: ComputeBackend) {
        // 0 and 1 tokens, ragged blocks, more than one 96-query block (130) and 256-key block (300).
        for alibi in [false, true] {
            check(lengths: [5, 0, 1, 130, 300, 33], heads: 3, d: 8, alibi: alibi, backend: backend, threads: 3)
        }
    }

    /// Sliding windows (ModernBERT's local layers), causal and one-sided masks: whole 256-key blocks out of a
    /// 96-query block's reach are skipped, rows whose first visited block holds none of their keys stay finite.
    @Test(arguments: testBackends)
    func windowsSeeOnlyTheirKeys(_ backend: ComputeBackend) {
        for window in [AttentionWindow.symmetric(7), .symmetric(64), .causal, AttentionWindow(before: 3, after: nil),
                       AttentionWindow(before: 0, after: 0)] {
            check(lengths: [1, 5, 130, 600], heads: 2, d: 8, alibi: false, backend: backend, threads: 2, window: window)
        }
    }

    /// Short jobs use the thread's reusable scratch buffer (EK_SCRATCH_BYTES); a 2,100-token head of 64 needs
    /// more and allocates its own: both paths, one after the other on the same threads.
    @Test(arguments: testBackends)
    func jobsBeyondTheScratchBufferAllocate(_ backend: ComputeBackend) {
        check(lengths: [2100, 7], heads: 1, d: 64, alibi: false, backend: backend, threads: 2, spread: 0.5)
        check(lengths: [7, 40], heads: 2, d: 64, alibi: true, backend: backend, threads: 2)
    }

    @Test(arguments: testBackends)
    func headDimAcrossPanels(_ backend: ComputeBackend) {
        // d = 40: two 32-wide V panels, the second ragged; d = 64 as in BERT-base.
        check(lengths: [70, 3], heads: 2, d: 40, alibi: true, backend: backend, threads: 2)
        check(lengths: [97], heads: 2, d: 64, alibi: false, backend: backend, threads: 1)
    }

    @Test func peakedScoresStayStable() {
        // Logits up to ~100: the online softmax must rescale without overflow. fp32 scores of that size
        // carry ~1e-5 absolute rounding, which exp turns into ~1e-5 relative weights on values up to 8.
        check(lengths: [150], heads: 1, d: 16, alibi: true, backend: .best, threads: 1, spread: 8, atol: 1e-3, rtol: 1e-3)
    }

    @Test func matchesOriginalImplementation() {
        let lengths = [12, 0, 40], heads = 4, d = 16
        let batch = SequenceBatch(lengths: lengths)
        var rng = Rand(11)
        let hd = heads * d
        let q = rng.array(batch.totalTokens * hd), k = rng.array(batch.totalTokens * hd), v = rng.array(batch.totalTokens * hd)
        let slopes = Attention.alibiSlopes(heads: heads)
        var a = [Float](repeating: 0, count: q.count), b = a
        let pool = ThreadPool(threads: 2)
        a.withUnsafeMutableBufferPointer { o in
            Attention.forward(q: q, k: k, v: v, rowStride: hd, out: o.baseAddress!, batch: batch, heads: heads, headDim: d,
                              scale: 0.25, alibiSlopes: slopes, pool: pool)
        }
        b.withUnsafeMutableBufferPointer { o in
            Reference.attention(q: q, k: k, v: v, rowStride: hd, out: o.baseAddress!, batch: batch, heads: heads, headDim: d,
                                scale: 0.25, alibiSlopes: slopes, pool: pool)
        }
        #expect(worstRatio(a, b.map(Double.init), atol: 1e-6, rtol: 1e-5) <= 1)
    }

    @Test func alibiSlopesFollowJinaBert() {
        // Power of two: 2^(-8/n·i); otherwise the closest power of two plus every other slope of 2p.
        #expect(Attention.alibiSlopes(heads: 4) == [0.25, 0.0625, 0.015625, 0.00390625])
        let six = Attention.alibiSlopes(heads: 6)
        #expect(six.count == 6)
        #expect(Array(six.prefix(4)) == Attention.alibiSlopes(heads: 4))
        #expect(abs(six[4] - Float(pow(2.0, -1.0))) < 1e-7 && abs(six[5] - Float(pow(2.0, -3.0))) < 1e-7)
    }
}

/// Grouped-query attention (Qwen3): 6 query heads over 2 key/value heads in one fused [Q | K | V] row, causal.
@Suite struct GroupedQueryAttentionTests {
    @Test(arguments: ComputeBackend.supported)
    func queryHeadsShareTheirGroupsKeysAndValues(_ backend: ComputeBackend) {
        let lengths = [1, 9, 140], heads = 6, kvHeads = 2, d = 16
        let q = heads * d, kv = kvHeads * d, stride = q + 2 * kv
        let batch = SequenceBatch(lengths: lengths)
        var rng = Rand(43)
        let qkv = rng.array(batch.totalTokens * stride, scale: 2)
        var out = [Float](repeating: .nan, count: batch.totalTokens * q)
        qkv.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                Attention.forward(q: p.baseAddress!, k: p.baseAddress! + q, v: p.baseAddress! + q + kv, rowStride: stride,
                                  out: o.baseAddress!, batch: batch, heads: heads, headDim: d, scale: 0.25, alibiSlopes: nil,
                                  window: .causal, keyValueHeads: kvHeads, pool: ThreadPool(threads: 2, backend: backend))
            }
        }
        var ref = [Double](repeating: 0, count: out.count)
        for s in 0..<batch.count {
            let base = batch.offsets[s]
            for h in 0..<heads {
                let kh = h / (heads / kvHeads)
                for i in 0..<batch.lengths[s] {
                    let scores = (0...i).map { j -> Double in
                        (0..<d).reduce(0.0) { $0 + Double(qkv[(base + i) * stride + h * d + $1]) * Double(qkv[(base + j) * stride + q + kh * d + $1]) } * 0.25
                    }
                    let m = scores.max()!
                    let e = scores.map { Foundation.exp($0 - m) }, total = e.reduce(0, +)
                    for c in 0..<d {
                        let acc = (0...i).reduce(0.0) { $0 + e[$1] * Double(qkv[(base + $1) * stride + q + kv + kh * d + c]) }
                        ref[(base + i) * q + h * d + c] = acc / total
                    }
                }
            }
        }
        #expect(worstRatio(out, ref, atol: 2e-6, rtol: 2e-5) <= 1, "\(backend)")
    }
}

/// The per-distance bias (MPNet's relative positions) on every kernel family this CPU has, against the
/// Double reference: lengths across the 96-query and 256-key blocks, a bias that differs per head and
/// per sign of j − i.
@Suite struct DistanceBiasAttentionTests {
    @Test(arguments: ComputeBackend.supported)
    func matchesReference(_ backend: ComputeBackend) {
        let lengths = [1, 7, 300, 97], heads = 3, d = 16, hd = heads * d
        let batch = SequenceBatch(lengths: lengths)
        var rng = Rand(41)
        let q = rng.array(batch.totalTokens * hd), k = rng.array(batch.totalTokens * hd), v = rng.array(batch.totalTokens * hd)
        let bias = DistanceBias(heads: heads, maxDistance: 299) { h, dist in 0.5 * sin(Float(dist) * 0.3 + Float(h)) + (dist < 0 ? 0.2 : 0) }
        var out = [Float](repeating: .nan, count: q.count)
        out.withUnsafeMutableBufferPointer { o in
            Attention.forward(q: q, k: k, v: v, rowStride: hd, out: o.baseAddress!, batch: batch, heads: heads, headDim: d,
                              scale: 0.25, alibiSlopes: nil, distanceBias: bias, pool: ThreadPool(threads: 2, backend: backend))
        }
        var ref = [Double](repeating: 0, count: q.count)
        for s in 0..<batch.count {
            let base = batch.offsets[s], len = batch.lengths[s]
            for h in 0..<heads {
                for i in 0..<len {
                    let scores = (0..<len).map { j -> Double in
                        var dot = 0.0
                        for c in 0..<d { dot += Double(q[(base + i) * hd + h * d + c]) * Double(k[(base + j) * hd + h * d + c]) }
                        return dot * 0.25 + Double(bias.value(head: h, distance: j - i))
                    }
                    let m = scores.max()!
                    let e = scores.map { Foundation.exp($0 - m) }, total = e.reduce(0, +)
                    for c in 0..<d {
                        var acc = 0.0
                        for j in 0..<len { acc += e[j] * Double(v[(base + j) * hd + h * d + c]) }
                        ref[(base + i) * hd + h * d + c] = acc / total
                    }
                }
            }
        }
        #expect(worstRatio(out, ref, atol: 2e-6, rtol: 2e-5) <= 1, "\(backend)")
    }
}
