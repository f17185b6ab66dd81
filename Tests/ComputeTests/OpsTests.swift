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

    @Test(arguments: testBackends)
    func gegluGatesWithTheFirstHalf(_ backend: ComputeBackend) {
        var rng = Rand(22)
        let rows = 19, inner = 37
        let g = rng.array(rows * 2 * inner, scale: 4)
        var out = [Float](repeating: .nan, count: rows * inner)
        out.withUnsafeMutableBufferPointer { o in
            Ops.geglu(g, into: o.baseAddress!, rows: rows, inner: inner, pool: ThreadPool(threads: 2, backend: backend))
        }
        var ref = [Double]()
        for r in 0..<rows {
            for j in 0..<inner { ref.append(Reference.gelu(g[r * 2 * inner + j]) * Double(g[r * 2 * inner + inner + j])) }
        }
        #expect(worstRatio(out, ref, atol: 1e-6, rtol: 1e-6) <= 1)
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
