import EmbedKitCompute
import Testing

/// int8 compute (`ComputePrecision.int8`): per-output-channel symmetric int8 weights, rows quantized
/// per row at the GEMM input, exact int32 sums. The reference quantizes the same way (same float
/// operations, nearest even) and sums exactly, so what is left is the final scaling in fp32.
@Suite struct Int8ComputeTests {
    /// round(v·127/max|v|) and the scale max|v|/127, as the kernel computes them.
    static func quantized(_ v: ArraySlice<Float>) -> (q: [Int], scale: Float) {
        let absmax = v.map { abs($0) }.max() ?? 0
        guard absmax > 0 else { return (v.map { _ in 0 }, 0) }
        let inv = Float(127) / absmax
        return (v.map { Int(max(-127, min(127, ($0 * inv).rounded(.toNearestOrEven)))) }, absmax / 127)
    }

    static func reference(x: [Float], w: [Float], bias: [Float]?, rows: Int, n: Int, k: Int) -> [Double] {
        let wq = (0..<n).map { quantized(w[$0 * k ..< ($0 + 1) * k]) }
        var y = [Double](repeating: 0, count: rows * n)
        for r in 0..<rows {
            let aq = quantized(x[r * k ..< (r + 1) * k])
            for o in 0..<n {
                var s = 0
                for i in 0..<k { s += aq.q[i] * wq[o].q[i] }
                y[r * n + o] = Double(s) * Double(aq.scale) * Double(wq[o].scale) + Double(bias?[o] ?? 0)
            }
        }
        return y
    }

    /// GEMM shapes with k not a multiple of 4, k = 1601 and 3100 (several K blocks), ragged row tiles and
    /// panels; `inputs` gives each its x (second row zero from 3 rows on), W and bias.
    static let shapes = [(1, 1, 1), (3, 17, 5), (17, 33, 65), (9, 65, 300), (10, 35, 1601), (13, 300, 40), (20, 40, 3100)]
    static func inputs(rows: Int, n: Int, k: Int, _ rng: inout Rand) -> (x: [Float], w: [Float], b: [Float]) {
        var x = rng.array(rows * k)
        if rows > 2 { for i in 0..<k { x[k + i] = 0 } }
        return (x, rng.array(n * k), rng.array(n))
    }

    @Test(arguments: testBackends)
    func matchesReferenceOfQuantizedInputs(_ backend: ComputeBackend) {
        var rng = Rand(31)
        for (rows, n, k) in Self.shapes {
            let (x, w, b) = Self.inputs(rows: rows, n: n, k: k, &rng)
            let lin = Linear(weight: w, bias: b, outFeatures: n, inFeatures: k, precision: .int8)
            #expect(lin.storage == .int8Quads)
            #expect(lin.memoryBytes == ((n + 31) / 32) * (256 + (k + 3) / 4 * 4 * 32) + n * 4, "a quarter of the fp32 bytes, plus scales")
            let last = Self.quantized(w[(n - 1) * k ..< n * k])
            #expect(lin.weightValue(out: n - 1, in: k - 1) == last.scale * Float(last.q[k - 1]))
            let ref = Self.reference(x: x, w: w, bias: b, rows: rows, n: n, k: k)
            for threads in [1, 3] {
                let y = run(lin, x: x, rows: rows, pool: ThreadPool(threads: threads, backend: backend))
                #expect(worstRatio(y, ref, atol: 1e-5, rtol: 1e-5) <= 1, "\(backend) \(rows)x\(n)x\(k) threads \(threads)")
            }
        }
    }

    /// Smoothing (`Linear(weight:smoothing:)`): each family quantizes x ⊙ (1/s) against W ⊙ s exactly as the
    /// reference does, and with an outlier input channel the smoothed layer is closer to fp32 than the plain one.
    @Test(arguments: testBackends)
    func smoothedInputsMatchTheirReference(_ backend: ComputeBackend) {
        var rng = Rand(33)
        let pool = ThreadPool(threads: 2, backend: backend)
        for (rows, n, k) in [(3, 17, 5), (17, 33, 65), (10, 35, 1601)] {
            var x = rng.array(rows * k)
            for r in 0..<rows { x[r * k + k / 2] *= 60 }   // one outlier channel
            let w = rng.array(n * k), b = rng.array(n)
            let s = (0..<k).map { $0 == k / 2 ? Float(8) : Float(1) + Float($0 % 3) * 0.25 }
            let lin = Linear(weight: w, smoothing: s, bias: b, outFeatures: n, inFeatures: k)
            let plain = Linear(weight: w, bias: b, outFeatures: n, inFeatures: k, precision: .int8)
            var y = [Float](repeating: .nan, count: rows * n), yPlain = y
            y.withUnsafeMutableBufferPointer { lin.apply(x, rows: rows, into: $0.baseAddress!, pool: pool) }
            yPlain.withUnsafeMutableBufferPointer { plain.apply(x, rows: rows, into: $0.baseAddress!, pool: pool) }
            let xs = (0..<rows * k).map { x[$0] * (1 / s[$0 % k]) }
            let ws = (0..<n * k).map { w[$0] * s[$0 % k] }
            let want = Self.reference(x: xs, w: ws, bias: b, rows: rows, n: n, k: k)
            #expect(worstRatio(y, want, atol: 1e-5, rtol: 1e-5) <= 1, "\(backend) \(rows)x\(n)x\(k)")
            var exact = [Double](repeating: 0, count: rows * n)
            for r in 0..<rows {
                for o in 0..<n { exact[r * n + o] = (0..<k).reduce(Double(b[o])) { $0 + Double(x[r * k + $1]) * Double(w[o * k + $1]) } }
            }
            let error = { (v: [Float]) in zip(v, exact).map { abs(Double($0) - $1) }.max() ?? 0 }
            if k > 5 { #expect(error(y) < error(yPlain), "\(backend) \(rows)x\(n)x\(k): smoothed \(error(y)), plain \(error(yPlain))") }
        }
    }

    @Test(arguments: testBackends)
    func fusedGeluAndResidual(_ backend: ComputeBackend) {
        var rng = Rand(32)
        let rows = 37, n = 70, k = 601
        let x = rng.array(rows * k), w = rng.array(n * k, scale: 0.2), b = rng.array(n), res = rng.array(rows * n)
        let lin = Linear(weight: w, bias: b, outFeatures: n, inFeatures: k, precision: .int8)
        let y = run(lin, x: x, rows: rows, pool: ThreadPool(threads: 2, backend: backend), activation: .gelu, residual: res)
        let pre = Self.reference(x: x, w: w, bias: b, rows: rows, n: n, k: k)
        let ref = pre.enumerated().map { Double(Reference.gelu(Float($0.element))) + Double(res[$0.offset]) }
        #expect(worstRatio(y, ref, atol: 1e-5, rtol: 1e-5) <= 1)
    }

    /// A gated unit fused into the int8 GEMM's epilogue (`fusingGatedUnit`) gives exactly what the projection
    /// followed by `Ops.gatedUnit` gives: per family, both activations, with a bias, inner widths that are not
    /// a multiple of 16 (a ragged last panel) and both thread splits; past one K block (k 3100) within 1e-4 relative.
    @Test(arguments: testBackends)
    func fusedGatedUnitEqualsTheTwoSteps(_ backend: ComputeBackend) {
        var rng = Rand(37)
        for (rows, inner, k) in [(1, 1, 3), (5, 16, 40), (13, 21, 65), (70, 70, 300), (9, 40, 3100)] {
            for activation in [Ops.GatedActivation.gelu, .silu] {
                let x = rng.array(rows * k), w = rng.array(2 * inner * k, scale: 0.3), b = rng.array(2 * inner)
                let plain = Linear(weight: w, bias: b, outFeatures: 2 * inner, inFeatures: k, precision: .int8)
                guard let fused = plain.fusingGatedUnit(activation) else {
                    Issue.record("an int8 layer fuses its gated unit")
                    continue
                }
                #expect(fused.outFeatures == inner && fused.gatedActivation == activation)
                for threads in [1, 3] {
                    let pool = ThreadPool(threads: threads, backend: backend)
                    let wide = run(plain, x: x, rows: rows, pool: pool)
                    var want = [Float](repeating: .nan, count: rows * inner)
                    wide.withUnsafeBufferPointer { g in
                        want.withUnsafeMutableBufferPointer {
                            Ops.gatedUnit(g.baseAddress!, into: $0.baseAddress!, rows: rows, inner: inner, activation: activation, pool: pool)
                        }
                    }
                    let got = run(fused, x: x, rows: rows, pool: pool)
                    if k <= 1536 {   // one K block both ways: the same float operations
                        let differing = zip(got, want).filter { $0 != $1 }.count
                        #expect(differing == 0, "\(backend) \(activation) \(rows)x\(inner)x\(k) threads \(threads): \(differing) values differ")
                    } else {   // the projection alone adds its K blocks in fp32; the fused unit sums all of K in int32
                        #expect(worstRatio(got, want.map(Double.init), atol: 1e-5, rtol: 1e-4) <= 1, "\(backend) \(activation) \(rows)x\(inner)x\(k)")
                    }
                }
            }
        }
        let w = rng.array(8 * 4)
        #expect(Linear(weight: w, bias: nil, outFeatures: 8, inFeatures: 4, precision: .fp32).fusingGatedUnit(.gelu) == nil)
        #expect(Linear(weight: w, bias: nil, outFeatures: 8, inFeatures: 4, precision: .bf16).fusingGatedUnit(.gelu) == nil)
    }

    @Test func sixteenBitWeightsQuantizeFromTheirValues() {
        var rng = Rand(33)
        let rows = 5, n = 40, k = 33
        let x = rng.array(rows * k), values = rng.array(n * k)
        let f16 = values.map(halfBits)
        let widened = f16.map(Reference.halfToFloat)
        let lin = Linear(weightBits: f16, isFloat16: true, bias: nil, outFeatures: n, inFeatures: k, precision: .int8)
        let ref = Self.reference(x: x, w: widened, bias: nil, rows: rows, n: n, k: k)
        #expect(worstRatio(run(lin, x: x, rows: rows, pool: ThreadPool(threads: 1)), ref, atol: 1e-5, rtol: 1e-5) <= 1)
    }

    @Test func closeToFloat32() {
        var rng = Rand(34)
        let rows = 16, n = 64, k = 384
        let x = rng.array(rows * k), w = rng.array(n * k)
        let exact = referenceLinear(x: x, w: w, bias: nil, residual: nil, rows: rows, n: n, k: k, gelu: false)
        let y = run(Linear(weight: w, bias: nil, outFeatures: n, inFeatures: k, precision: .int8), x: x, rows: rows, pool: ThreadPool(threads: 2))
        let relative = relativeError(y, exact)
        #expect(relative < 0.03, "int8 rounding of both operands: relative error \(relative)")
        #expect(relative > 1e-4, "int8 really quantizes")
    }
}
