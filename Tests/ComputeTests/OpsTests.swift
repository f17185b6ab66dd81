import EmbedKitCompute
import Foundation
import Testing

@Suite struct VectorMathTests {
    /// Dense grid plus points near the branch boundaries of the kernels.
    static func grid(_ lo: Float, _ hi: Float, _ n: Int) -> [Float] {
        (0..<n).map { lo + (hi - lo) * Float($0) / Float(n - 1) } + [0.9, -0.9, 0.8999999, 0.9000001, 0, -0.0, 1e-30, -1e-30, 1e-7]
    }

    @Test(arguments: testBackends)
    func expMatchesLibm(_ backend: ComputeBackend) {
        let x = Self.grid(-87, 88.5, 20001)
        let y = VectorMath.exp(x, pool: ThreadPool(threads: 1, backend: backend))
        var worstVsDouble = 0.0, worstVsExpf = 0.0
        for (xi, yi) in zip(x, y) {
            worstVsDouble = max(worstVsDouble, abs(Double(yi) / Foundation.exp(Double(xi)) - 1))
            worstVsExpf = max(worstVsExpf, abs(Double(yi) / Double(expf(xi)) - 1))
        }
        #expect(worstVsDouble < 2e-7)
        #expect(worstVsExpf < 3e-7)
        let special = VectorMath.exp([-Float.infinity, -200, 200, .infinity], pool: ThreadPool(threads: 1, backend: backend))
        #expect(special == [0, 0, .infinity, .infinity])
    }

    @Test(arguments: testBackends)
    func erfMatchesFoundationIncludingTails(_ backend: ComputeBackend) {
        let x = Self.grid(-12, 12, 40001)
        let y = VectorMath.erf(x, pool: ThreadPool(threads: 1, backend: backend))
        var worst = 0.0
        for (xi, yi) in zip(x, y) where xi != 0 {
            worst = max(worst, abs(Double(yi) / Foundation.erf(Double(xi)) - 1))
        }
        #expect(worst < 2.5e-7)
        #expect(y[x.firstIndex(of: 0)!] == 0)
    }

    @Test(arguments: testBackends)
    func erfcKeepsRelativeAccuracyInTheTail(_ backend: ComputeBackend) {
        let x = Self.grid(-6, 9.1, 30001)   // erfc(9.1) ≈ 4e-38, the smallest normal floats
        let y = VectorMath.erfc(x, pool: ThreadPool(threads: 1, backend: backend))
        var worst = 0.0
        for (xi, yi) in zip(x, y) { worst = max(worst, abs(Double(yi) / Foundation.erfc(Double(xi)) - 1)) }
        #expect(worst < 1e-6)
    }

    @Test(arguments: testBackends)
    func geluMatchesErfDefinition(_ backend: ComputeBackend) {
        let x = Self.grid(-10, 10, 20001) + [-3.3, 25, -25, 1000, -1000]
        let y = VectorMath.gelu(x, pool: ThreadPool(threads: 1, backend: backend))
        let ref = x.map(Reference.gelu)
        // 2e-7 relative on the bulk; far negative tail (|gelu| < 1e-6) within 1e-12 absolute
        #expect(worstRatio(y, ref, atol: 1e-12, rtol: 2e-6) <= 1)
        // Bulk: 3e-7 relative or 1e-7 absolute (near x ≈ -1.3, 1 + erf(z) cancels to ~0.2, which turns
        // erf's last-bit error into a few 1e-7 relative).
        #expect(worstRatio(y, ref, atol: 1e-7, rtol: 3e-7) <= 1)
    }

    @Test func reportsExpectedBackends() {
        #if arch(x86_64)
        #expect(ComputeBackend.supported.first == .generic)
        #endif
        #expect(VectorMath.exp([], pool: ThreadPool(threads: 1)) == [])
    }
}

@Suite struct OpsTests {
    @Test(arguments: testBackends)
    func addLayerNormMatchesReference(_ backend: ComputeBackend) {
        var rng = Rand(21)
        for cols in [1, 7, 33, 100] {
            let rows = 37
            let x = rng.array(rows * cols, scale: 3).map { $0 + 0.5 }, res = rng.array(rows * cols)
            let gamma = rng.array(cols), beta = rng.array(cols)
            for useResidual in [false, true] {
                var got = x, want = x
                got.withUnsafeMutableBufferPointer { g in
                    Ops.addLayerNorm(g.baseAddress!, residual: useResidual ? res : nil, gamma: gamma, beta: beta, eps: 1e-12,
                                     rows: rows, cols: cols, pool: ThreadPool(threads: 3, backend: backend))
                }
                want.withUnsafeMutableBufferPointer { w in
                    Reference.addLayerNorm(w.baseAddress!, residual: useResidual ? res : nil, gamma: gamma, beta: beta,
                                           eps: 1e-12, rows: rows, cols: cols)
                }
                #expect(worstRatio(got, want.map(Double.init), atol: 2e-6, rtol: 2e-6) <= 1, "\(backend) cols \(cols)")
            }
        }
    }

    /// Whole rows (a decoder layer's norm) and groups within strided rows (Qwen3's norm of each head of Q).
    @Test(arguments: testBackends)
    func rmsNormMatchesReference(_ backend: ComputeBackend) {
        var rng = Rand(25)
        for (rows, groups, cols, stride) in [(37, 1, 33, 33), (20, 3, 16, 3 * 16 + 7), (5, 1, 1029, 1029)] {
            let x = rng.array(rows * stride, scale: 3), gamma = rng.array(cols).map { $0 + 1 }
            var got = x
            got.withUnsafeMutableBufferPointer { g in
                Ops.rmsNorm(g.baseAddress!, rowStride: stride, rows: rows, groups: groups, cols: cols, gamma: gamma, eps: 1e-6,
                            pool: ThreadPool(threads: 2, backend: backend))
            }
            var want = x.map(Double.init)
            for r in 0..<rows {
                for g in 0..<groups {
                    let start = r * stride + g * cols
                    let meanSquare = (0..<cols).reduce(0.0) { $0 + want[start + $1] * want[start + $1] } / Double(cols)
                    for c in 0..<cols { want[start + c] = want[start + c] / (meanSquare + 1e-6).squareRoot() * Double(gamma[c]) }
                }
            }
            #expect(worstRatio(got, want, atol: 2e-6, rtol: 2e-6) <= 1, "\(backend) rows \(rows) groups \(groups) cols \(cols)")
        }
    }

    @Test(arguments: testBackends)
    func gatedUnitsGateWithTheFirstHalf(_ backend: ComputeBackend) {
        var rng = Rand(22)
        let rows = 19, inner = 37
        let g = rng.array(rows * 2 * inner, scale: 4)
        let silu = { (x: Float) -> Double in Double(x) / (1 + Foundation.exp(-Double(x))) }
        for (activation, reference) in [(Ops.GatedActivation.gelu, Reference.gelu), (.silu, silu)] {
            var out = [Float](repeating: .nan, count: rows * inner)
            out.withUnsafeMutableBufferPointer { o in
                Ops.gatedUnit(g, into: o.baseAddress!, rows: rows, inner: inner, activation: activation,
                              pool: ThreadPool(threads: 2, backend: backend))
            }
            var ref = [Double]()
            for r in 0..<rows {
                for j in 0..<inner { ref.append(reference(g[r * 2 * inner + j]) * Double(g[r * 2 * inner + inner + j])) }
            }
            #expect(worstRatio(out, ref, atol: 1e-6, rtol: 1e-6) <= 1, "\(backend) \(activation)")
        }
        // SiLU's tails: gates −120 (e^120 overflows: −0) and 95 (e^−95 vanishes: 95), ups 1.
        var out = [Float](repeating: .nan, count: 2)
        out.withUnsafeMutableBufferPointer { o in
            Ops.gatedUnit([-120, 95, 1, 1], into: o.baseAddress!, rows: 1, inner: 2, activation: .silu,
                          pool: ThreadPool(threads: 1, backend: backend))
        }
        #expect(out[0] == 0 && out[1] == 95, "\(backend): SiLU(−120) = \(out[0]), SiLU(95) = \(out[1])")
    }

    @Test(arguments: testBackends)
    func rotaryRotatesHalvesByPosition(_ backend: ComputeBackend) {
        var rng = Rand(24)
        let batch = SequenceBatch(lengths: [70, 1, 135])   // several 64-row jobs and a one-token sequence
        let heads = 3, headDim = 38, stride = 2 * heads * headDim + 5
        let table = RotaryEmbedding(base: 1000, dimension: headDim, positions: batch.maxLength)
        let x = rng.array(batch.totalTokens * stride, scale: 2)
        var got = x
        got.withUnsafeMutableBufferPointer { g in
            Ops.rotary(g.baseAddress!, rowStride: stride, batch: batch, heads: 2 * heads, headDim: headDim, table: table,
                       pool: ThreadPool(threads: 2, backend: backend))
        }
        var worst = 0.0
        for s in 0..<batch.count {
            for p in 0..<batch.lengths[s] {
                let row = (batch.offsets[s] + p) * stride
                for h in 0..<2 * heads {
                    for i in 0..<headDim / 2 {
                        // Double reference of the angle: position · θ^(−2i/d).
                        let angle = Double(p) / Foundation.pow(1000, Double(2 * i) / Double(headDim))
                        let a = Double(x[row + h * headDim + i]), b = Double(x[row + h * headDim + i + headDim / 2])
                        let wa = a * Foundation.cos(angle) - b * Foundation.sin(angle)
                        let wb = b * Foundation.cos(angle) + a * Foundation.sin(angle)
                        worst = max(worst, abs(Double(got[row + h * headDim + i]) - wa),
                                    abs(Double(got[row + h * headDim + i + headDim / 2]) - wb))
                    }
                }
                for c in 2 * heads * headDim ..< stride { #expect(got[row + c] == x[row + c]) }   // V columns untouched
            }
        }
        // Float angles of positions up to 134 carry ~1e-5 absolute error; values up to ~4.
        #expect(worst < 1e-4, "\(backend): \(worst)")
        #expect(table.angle(position: 0, frequency: 5) == (1, 0))
    }

    @Test(arguments: testBackends)
    func geluInPlace(_ backend: ComputeBackend) {
        var rng = Rand(23)
        let x = rng.array(10_000, scale: 6)
        var y = x
        y.withUnsafeMutableBufferPointer { Ops.gelu($0.baseAddress!, count: $0.count, pool: ThreadPool(threads: 2, backend: backend)) }
        #expect(worstRatio(y, x.map(Reference.gelu), atol: 1e-9, rtol: 1e-6) <= 1)
    }
}
