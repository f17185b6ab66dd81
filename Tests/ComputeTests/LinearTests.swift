import EmbedKitCompute
import Testing

/// y = act(x·Wᵀ + b) + residual in Double.
func referenceLinear(x: [Float], w: [Float], bias: [Float]?, residual: [Float]?, rows: Int, n: Int, k: Int,
                     gelu: Bool) -> [Double] {
    var y = [Double](repeating: 0, count: rows * n)
    for r in 0..<rows {
        for o in 0..<n {
            var s = 0.0
            for i in 0..<k { s += Double(x[r * k + i]) * Double(w[o * k + i]) }
            s += Double(bias?[o] ?? 0)
            if gelu { s = Reference.gelu(Float(s)) }
            s += Double(residual?[r * n + o] ?? 0)
            y[r * n + o] = s
        }
    }
    return y
}

func run(_ linear: Linear, x: [Float], rows: Int, pool: ThreadPool, activation: Linear.Activation = .none,
         residual: [Float]? = nil) -> [Float] {
    var y = [Float](repeating: .nan, count: rows * linear.outFeatures)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            if let residual {
                residual.withUnsafeBufferPointer { rp in
                    linear.apply(xp.baseAddress!, rows: rows, into: yp.baseAddress!, pool: pool,
                                 activation: activation, residual: rp.baseAddress)
                }
            } else {
                linear.apply(xp.baseAddress!, rows: rows, into: yp.baseAddress!, pool: pool, activation: activation)
            }
        }
    }
    return y
}

/// fp32 summation error grows like √k times the partial sums (~√k/3 for inputs in [-1, 1]).
func gemmAtol(_ k: Int) -> Double { 1e-6 + 1e-7 * Double(k) }

@Suite struct LinearTests {
    // (rows, out, in): none of them multiples of the 8x32 tile; in = 1601 is split into 3 K blocks.
    static let shapes: [(Int, Int, Int)] = [(1, 1, 1), (3, 17, 5), (17, 33, 65), (65, 3, 33), (9, 65, 300), (1, 40, 7), (10, 35, 1601), (13, 300, 40)]   // 300 outputs: 3 column blocks of 4 panels

    @Test(arguments: testBackends)
    func float32MatchesReference(_ backend: ComputeBackend) {
        var rng = Rand(1)
        for (rows, n, k) in Self.shapes {
            let x = rng.array(rows * k), w = rng.array(n * k), b = rng.array(n)
            let lin = Linear(weight: w, bias: b, outFeatures: n, inFeatures: k)
            for threads in [1, 3] {
                let y = run(lin, x: x, rows: rows, pool: ThreadPool(threads: threads, backend: backend))
                let ref = referenceLinear(x: x, w: w, bias: b, residual: nil, rows: rows, n: n, k: k, gelu: false)
                #expect(worstRatio(y, ref, atol: gemmAtol(k), rtol: 1e-5) <= 1, "\(backend) \(rows)x\(n)x\(k) threads \(threads)")
            }
        }
    }

    @Test(arguments: testBackends)
    func noBiasAndRowSplit(_ backend: ComputeBackend) {
        var rng = Rand(2)
        let rows = 131, n = 35, k = 19   // 131 rows on 3 threads: row blocks with ragged ends
        let x = rng.array(rows * k), w = rng.array(n * k)
        let lin = Linear(weight: w, bias: nil, outFeatures: n, inFeatures: k)
        let y = run(lin, x: x, rows: rows, pool: ThreadPool(threads: 3, backend: backend))
        let ref = referenceLinear(x: x, w: w, bias: nil, residual: nil, rows: rows, n: n, k: k, gelu: false)
        #expect(worstRatio(y, ref, atol: 1e-5, rtol: 1e-5) <= 1)
    }

    @Test(arguments: testBackends)
    func fusedGeluAndResidual(_ backend: ComputeBackend) {
        var rng = Rand(3)
        for (rows, n, k) in [(5, 37, 21), (70, 64, 900)] {   // 900: epilogue after the second K block
            let x = rng.array(rows * k), w = rng.array(n * k, scale: 0.5), b = rng.array(n), res = rng.array(rows * n)
            let lin = Linear(weight: w, bias: b, outFeatures: n, inFeatures: k)
            let pool = ThreadPool(threads: 2, backend: backend)
            let g = run(lin, x: x, rows: rows, pool: pool, activation: .gelu)
            #expect(worstRatio(g, referenceLinear(x: x, w: w, bias: b, residual: nil, rows: rows, n: n, k: k, gelu: true),
                               atol: gemmAtol(k), rtol: 1e-5) <= 1)
            let r = run(lin, x: x, rows: rows, pool: pool, residual: res)
            #expect(worstRatio(r, referenceLinear(x: x, w: w, bias: b, residual: res, rows: rows, n: n, k: k, gelu: false),
                               atol: gemmAtol(k), rtol: 1e-5) <= 1)
            let both = run(lin, x: x, rows: rows, pool: pool, activation: .gelu, residual: res)
            #expect(worstRatio(both, referenceLinear(x: x, w: w, bias: b, residual: res, rows: rows, n: n, k: k, gelu: true),
                               atol: gemmAtol(k), rtol: 1e-5) <= 1)
        }
    }

    @Test(arguments: testBackends)
    func float16WeightsStay16BitAndMatch(_ backend: ComputeBackend) {
        var rng = Rand(4)
        for (rows, n, k) in [(3, 17, 5), (17, 33, 65), (9, 65, 800)] {
            let x = rng.array(rows * k), b = rng.array(n)
            let bits = rng.array(n * k).map(halfBits)
            let wf = bits.map(Reference.halfToFloat)   // the exact values the fp16 weights hold
            let lin = Linear(weightF16Bits: bits, bias: b, outFeatures: n, inFeatures: k)
            #expect(lin.storage == .float16)
            #expect(lin.memoryBytes == ((n + 31) / 32 * 32) * k * 2 + n * 4)
            #expect(lin.weightValue(out: n - 1, in: k - 1) == wf[(n - 1) * k + k - 1])
            let y = run(lin, x: x, rows: rows, pool: ThreadPool(threads: 2, backend: backend))
            let ref = referenceLinear(x: x, w: wf, bias: b, residual: nil, rows: rows, n: n, k: k, gelu: false)
            #expect(worstRatio(y, ref, atol: gemmAtol(k), rtol: 1e-5) <= 1, "\(backend) \(rows)x\(n)x\(k)")
        }
    }

    @Test func float16SpecialValuesWiden() {
        // subnormal, negative zero, max normal, infinity: widened exactly by every backend
        let bits: [UInt16] = [0x0001, 0x8000, 0x7bff, 0x7c00, 0x3c00, 0xc000, 0x03ff, 0x0400]
        let expected: [Float] = [0x1p-24, -0.0, 65504, .infinity, 1, -2, 1023 * 0x1p-24, 0x1p-14]
        for backend in testBackends {
            // x = e_i picks column i of W: y[o] = W[o, i]; one output feature per value.
            let lin = Linear(weightF16Bits: bits, bias: nil, outFeatures: bits.count, inFeatures: 1)
            let y = run(lin, x: [1], rows: 1, pool: ThreadPool(threads: 1, backend: backend))
            #expect(y == expected, "\(backend)")
        }
    }

    @Test(arguments: testBackends)
    func bfloat16WeightsMatch(_ backend: ComputeBackend) {
        var rng = Rand(5)
        let rows = 11, n = 45, k = 70
        let x = rng.array(rows * k), bits = rng.array(n * k).map(bf16Bits)
        let lin = Linear(weightBF16Bits: bits, bias: nil, outFeatures: n, inFeatures: k)
        #expect(lin.memoryBytes == 64 * k * 2)
        let y = run(lin, x: x, rows: rows, pool: ThreadPool(threads: 2, backend: backend))
        let ref = referenceLinear(x: x, w: bits.map(bf16Value), bias: nil, residual: nil, rows: rows, n: n, k: k, gelu: false)
        #expect(worstRatio(y, ref, atol: 1e-5, rtol: 1e-5) <= 1)
    }

    @Test func forcingBackends() throws {
        for backend in ComputeBackend.allCases where !backend.isSupported {
            #expect(throws: ComputeError.unsupportedBackend(backend)) { try ComputeBackend.force(backend) }
        }
        #expect(ComputeBackend.supported.contains(.generic))
        #expect(ComputeBackend.supported.contains(ComputeBackend.best))
        #expect(ThreadPool(threads: 1, backend: .generic).resolvedBackend == .generic)
        #expect(ThreadPool(threads: 1).resolvedBackend == ComputeBackend.active)
        try ComputeBackend.force(.generic)
        #expect(ComputeBackend.active == .generic)
        #expect(ThreadPool(threads: 1).resolvedBackend == .generic)
        try ComputeBackend.force(nil)
        #expect(ComputeBackend.active == ComputeBackend.best)
    }
}
