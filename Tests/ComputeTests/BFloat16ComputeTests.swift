import EmbedKitCompute
import Testing

/// bf16 compute (`ComputePrecision.bf16`): weights and activations rounded to bf16 (nearest even),
/// products summed in fp32. The reference rounds the same way and sums in Double, so the only
/// difference left is fp32 summation.
@Suite struct BFloat16ComputeTests {
    static func rounded(_ v: [Float]) -> [Float] { v.map { bf16Value(bf16Bits($0)) } }

    @Test(arguments: testBackends)
    func matchesReferenceOfRoundedInputs(_ backend: ComputeBackend) {
        var rng = Rand(21)
        // Odd k (a zero-padded last pair), k = 1601 split into several K blocks, ragged tiles.
        for (rows, n, k) in [(1, 1, 1), (3, 17, 5), (17, 33, 65), (9, 65, 300), (10, 35, 1601), (13, 300, 40), (70, 64, 900)] {
            let x = rng.array(rows * k), w = rng.array(n * k), b = rng.array(n)
            let lin = Linear(weight: w, bias: b, outFeatures: n, inFeatures: k, precision: .bf16)
            #expect(lin.storage == .bfloat16Pairs)
            #expect(lin.memoryBytes == ((n + 31) / 32 * 32) * ((k + 1) / 2 * 2) * 2 + n * 4, "half the fp32 bytes")
            #expect(lin.weightValue(out: n - 1, in: k - 1) == bf16Value(bf16Bits(w[(n - 1) * k + k - 1])))
            let ref = referenceLinear(x: Self.rounded(x), w: Self.rounded(w), bias: b, residual: nil, rows: rows, n: n, k: k, gelu: false)
            for threads in [1, 3] {
                let y = run(lin, x: x, rows: rows, pool: ThreadPool(threads: threads, backend: backend))
                #expect(worstRatio(y, ref, atol: gemmAtol(k), rtol: 1e-5) <= 1, "\(backend) \(rows)x\(n)x\(k) threads \(threads)")
            }
        }
    }

    @Test(arguments: testBackends)
    func fusedGeluAndResidual(_ backend: ComputeBackend) {
        var rng = Rand(22)
        let rows = 37, n = 70, k = 601
        let x = rng.array(rows * k), w = rng.array(n * k, scale: 0.2), b = rng.array(n), res = rng.array(rows * n)
        let lin = Linear(weight: w, bias: b, outFeatures: n, inFeatures: k, precision: .bf16)
        let y = run(lin, x: x, rows: rows, pool: ThreadPool(threads: 2, backend: backend), activation: .gelu, residual: res)
        let ref = referenceLinear(x: Self.rounded(x), w: Self.rounded(w), bias: b, residual: res, rows: rows, n: n, k: k, gelu: true)
        #expect(worstRatio(y, ref, atol: gemmAtol(k), rtol: 1e-5) <= 1)
    }

    @Test func sixteenBitWeightsConvertWithoutWidening() {
        var rng = Rand(23)
        let rows = 5, n = 40, k = 33
        let x = rng.array(rows * k), values = rng.array(n * k)
        let f16 = values.map(halfBits), bf = values.map(bf16Bits)
        let fromHalf = Linear(weightBits: f16, isFloat16: true, bias: nil, outFeatures: n, inFeatures: k, precision: .bf16)
        let fromBF16 = Linear(weightBits: bf, isFloat16: false, bias: nil, outFeatures: n, inFeatures: k, precision: .bf16)
        for o in [0, 17, n - 1] {
            for i in [0, 1, k - 1] {
                // fp16 → fp32 is exact; then one rounding to bf16.
                #expect(fromHalf.weightValue(out: o, in: i) == bf16Value(bf16Bits(Reference.halfToFloat(f16[o * k + i]))))
                #expect(fromBF16.weightValue(out: o, in: i) == bf16Value(bf[o * k + i]), "bf16 bits are kept as they are")
            }
        }
        let ref = referenceLinear(x: Self.rounded(x), w: bf.map(bf16Value), bias: nil, residual: nil, rows: rows, n: n, k: k, gelu: false)
        #expect(worstRatio(run(fromBF16, x: x, rows: rows, pool: ThreadPool(threads: 1)), ref, atol: gemmAtol(k), rtol: 1e-5) <= 1)
        // fp32 precision keeps the 16-bit storage the checkpoint has.
        #expect(Linear(weightBits: f16, isFloat16: true, bias: nil, outFeatures: n, inFeatures: k, precision: .fp32).storage == .float16)
    }

    @Test func closeToFloat32() {
        // The quality cost in one layer: relative error of a 384-wide dot product about 2^-8·√(2/k)·√k.
        var rng = Rand(24)
        let rows = 16, n = 64, k = 384
        let x = rng.array(rows * k), w = rng.array(n * k)
        let exact = referenceLinear(x: x, w: w, bias: nil, residual: nil, rows: rows, n: n, k: k, gelu: false)
        let y = run(Linear(weight: w, bias: nil, outFeatures: n, inFeatures: k, precision: .bf16), x: x, rows: rows, pool: ThreadPool(threads: 2))
        let relative = relativeError(y, exact)
        #expect(relative < 0.01, "bf16 rounding of both operands: relative error \(relative)")
        #expect(relative > 1e-5, "bf16 really rounds (else the fp32 path ran)")
    }

    @Test func precisionSupportFollowsTheCPU() {
        #expect(ComputePrecision.fp32.isSupported)
        #expect(ComputePrecision.supported.first == .fp32)
        if !ComputePrecision.bf16.isSupported {
            #expect(ComputeError.unsupportedPrecision(.bf16).description.contains("AVX512-BF16"))
        }
    }
}
