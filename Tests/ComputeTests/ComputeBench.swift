import EmbedKitCompute
import Foundation
import Testing

/// Throughput figures, run only with EMBEDKIT_BENCH=1 (use a release build):
///   EMBEDKIT_BENCH=1 swift test -c release --filter ComputeBench
/// Prints best-of-N (and median) timings; asserts only that the kernels ran, never a speed.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["EMBEDKIT_BENCH"] == "1"))
struct ComputeBench {
    static let minSeconds = Double(ProcessInfo.processInfo.environment["EMBEDKIT_BENCH_SECONDS"] ?? "") ?? 1.0

    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Best and median wall seconds of `body` over at least 3 runs and `minSeconds` in total, and the
    /// least process CPU seconds of a run (all threads): with other load on the machine, wall time
    /// includes time the threads were not scheduled, CPU time does not.
    func time(_ body: () -> Void) -> (best: Double, median: Double, cpu: Double) {
        body()   // warm up (page faults, caches)
        var samples: [Double] = []
        var cpu = Double.infinity
        let start = DispatchTime.now().uptimeNanoseconds
        repeat {
            let c0 = Self.cpuSeconds()
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
            cpu = min(cpu, Self.cpuSeconds() - c0)
        } while samples.count < 3 || (Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 < Self.minSeconds && samples.count < 1000)
        samples.sort()
        return (samples[0], samples[samples.count / 2], cpu)
    }

    func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

    func printProbe() {
        if let p = ComputeBackend.fmaProbe() {
            print("  FMA probe (1 thread, 12 zmm FMA chains): \(fmt(p.wall)) GFLOP/s wall, \(fmt(p.cpu)) per CPU-second (nominal peak 170)")
        }
    }

    @Test func gemmBertBaseShapes() {
        var rng = Rand(99)
        let m = 512
        print("GEMM y[M,N] = x[M,K]·Wᵀ, M=512 (BERT-base, 512 tokens); GFLOP/s best (median); % of 170 GFLOP/s/core")
        for (n, k, name) in [(768, 768, "qkv/out 768x768"), (3072, 768, "FFN up 768->3072"), (768, 3072, "FFN down 3072->768")] {
            let x = rng.array(m * k), w = rng.array(n * k, scale: 0.05), b = rng.array(n)
            var y = [Float](repeating: 0, count: m * n)
            let flops = 2.0 * Double(m * n * k)
            var variants: [(String, Linear, ComputeBackend)] = []
            let f32 = Linear(weight: w, bias: b, outFeatures: n, inFeatures: k)
            let f16 = Linear(weightF16Bits: w.map(halfBits), bias: b, outFeatures: n, inFeatures: k)
            for backend in ComputeBackend.supported.reversed() { variants.append(("fp32 \(backend)", f32, backend)) }
            variants.append(("fp16 \(ComputeBackend.best)", f16, .best))
            if ComputePrecision.bf16.isSupported {
                variants.append(("bf16 compute", Linear(weight: w, bias: b, outFeatures: n, inFeatures: k, precision: .bf16), .best))
            }
            for threads in [1, 2] {
                for (label, lin, backend) in variants {
                    let pool = ThreadPool(threads: threads, backend: backend)
                    let t = x.withUnsafeBufferPointer { xp in
                        y.withUnsafeMutableBufferPointer { yp in
                            time { lin.apply(xp.baseAddress!, rows: m, into: yp.baseAddress!, pool: pool) }
                        }
                    }
                    let g = flops / t.best / 1e9
                    print("  \(name)  \(label)  \(threads)T: \(fmt(g)) (\(fmt(flops / t.median / 1e9))) GFLOP/s = \(fmt(100 * g / (170 * Double(threads))))% peak, \(fmt(t.best * 1e3, 2)) ms; per CPU-second: \(fmt(flops / t.cpu / 1e9)) GFLOP/s = \(fmt(100 * flops / t.cpu / 1e9 / 170))% of a core")
                }
                // The original scalar implementation (one SIMD8 dot product per output).
                let pool = ThreadPool(threads: threads)
                let t = x.withUnsafeBufferPointer { xp in
                    w.withUnsafeBufferPointer { wp in
                        y.withUnsafeMutableBufferPointer { yp in
                            time { Reference.linear(xp.baseAddress!, rows: m, weight: wp.baseAddress!, bias: b, outFeatures: n,
                                                    inFeatures: k, into: yp.baseAddress!, pool: pool) }
                        }
                    }
                }
                print("  \(name)  reference (original)  \(threads)T: \(fmt(flops / t.best / 1e9)) (\(fmt(flops / t.median / 1e9))) GFLOP/s")
            }
            printProbe()
            #expect(y.allSatisfy { $0.isFinite })
        }
    }

    @Test func attentionLongAndShort() {
        let heads = 12, d = 64, hd = heads * d
        print("Attention, 12 heads, d=64, one sequence, ALiBi (JinaBERT); seconds best (median)")
        printProbe()
        for len in [512, 8192] {
            var rng = Rand(7)
            let qkv = rng.array(len * 3 * hd)
            var out = [Float](repeating: 0, count: len * hd)
            let batch = SequenceBatch(lengths: [len])
            let slopes = Attention.alibiSlopes(heads: heads)
            let flops = 4.0 * Double(len) * Double(len) * Double(d * heads)
            for threads in [1, 2] {
                let pool = ThreadPool(threads: threads)
                let t = qkv.withUnsafeBufferPointer { p in
                    out.withUnsafeMutableBufferPointer { o in
                        time {
                            Attention.forward(q: p.baseAddress!, k: p.baseAddress! + hd, v: p.baseAddress! + 2 * hd, rowStride: 3 * hd,
                                              out: o.baseAddress!, batch: batch, heads: heads, headDim: d, scale: 0.125,
                                              alibiSlopes: slopes, pool: pool)
                        }
                    }
                }
                print("  L=\(len) flash \(ComputeBackend.best) \(threads)T: \(fmt(t.best, 4)) s (\(fmt(t.median, 4))), \(fmt(flops / t.best / 1e9)) GFLOP/s (QKᵀ+PV), \(fmt(flops / t.cpu / 1e9)) per CPU-second")
                if len <= 512 {
                    let r = qkv.withUnsafeBufferPointer { p in
                        out.withUnsafeMutableBufferPointer { o in
                            time {
                                Reference.attention(q: p.baseAddress!, k: p.baseAddress! + hd, v: p.baseAddress! + 2 * hd, rowStride: 3 * hd,
                                                    out: o.baseAddress!, batch: batch, heads: heads, headDim: d, scale: 0.125,
                                                    alibiSlopes: slopes, pool: pool)
                            }
                        }
                    }
                    print("  L=\(len) reference (original) \(threads)T: \(fmt(r.best, 4)) s (\(fmt(r.median, 4))), speed-up \(fmt(r.best / t.best))x")
                }
            }
            #expect(out.allSatisfy { $0.isFinite })
        }
    }

    @Test func elementwise() {
        let rows = 512, cols = 768
        var rng = Rand(5)
        var x = rng.array(rows * cols * 4, scale: 3)
        let g = rng.array(cols), b = rng.array(cols), res = rng.array(rows * cols)
        let pool = ThreadPool(threads: 1)
        let tg = x.withUnsafeMutableBufferPointer { p in time { Ops.gelu(p.baseAddress!, count: p.count, pool: pool) } }
        print("GELU 512x3072 1T: \(fmt(tg.best * 1e3, 3)) ms (\(fmt(Double(rows * cols * 4) / tg.best / 1e9, 2)) G values/s)")
        let tl = x.withUnsafeMutableBufferPointer { p in
            time { Ops.addLayerNorm(p.baseAddress!, residual: res, gamma: g, beta: b, eps: 1e-12, rows: rows, cols: cols, pool: pool) }
        }
        print("add+LayerNorm 512x768 1T: \(fmt(tl.best * 1e3, 3)) ms")
        #expect(x.allSatisfy { $0.isFinite })
    }
}
