import EmbedKitCKernels
import EmbedKitCompute
import Testing

/// The AVX2 family's AVX-VNNI int8 tile (EK_ISA_AVX2_VNNI: VEX VPDPBUSD on ymm). Where the CPU lacks
/// AVX-VNNI but has AVX512-VNNI, its test twin runs the same kernel source with the EVEX encoding of the
/// same instruction (EK_ISA_AVX2_VNNI_EVEX); elsewhere the tests are skipped.
@Suite struct AVXVNNITests {
    static let family: Int32? = [EK_ISA_AVX2_VNNI, EK_ISA_AVX2_VNNI_EVEX].map { Int32($0) }.first { ek_isa_supported($0) != 0 }
    /// The AVX2 family exactly: its VPMADDUBSW int8 kernel even where the CPU has AVX-VNNI.
    static let vpmaddubsw = Int32(EK_ISA_AVX2 | EK_ISA_EXACT)

    /// The int8 sums are exact whichever instruction makes them and the scaling is the same float operations,
    /// so with one K block the tile must equal the AVX2 family's VPMADDUBSW kernel bit for bit (with several,
    /// the column-sum correction falls in the first block, so the fp32 sum of the blocks rounds differently),
    /// and the quantized reference within the rounding of that scaling.
    @Test(.enabled(if: family != nil, "needs AVX-VNNI, or AVX512-VNNI for its EVEX test twin"))
    func tileMatchesTheReferenceAndVPMADDUBSW() throws {
        let isa = try #require(Self.family)
        #expect(ek_gemm_family(isa, Int32(EK_DT_I8_QUADS)) == isa, "the int8 GEMM runs on the AVX-VNNI tile")
        #expect(ThreadPool(threads: 1, kernelFamily: isa).resolvedBackend == .avx2)
        #expect(ek_gemm_family(Self.vpmaddubsw, Int32(EK_DT_I8_QUADS)) == Int32(EK_ISA_AVX2), "EK_ISA_EXACT keeps VPMADDUBSW")
        #expect(ThreadPool(threads: 1, kernelFamily: Self.vpmaddubsw).resolvedBackend == .avx2)
        var rng = Rand(41)
        // Ragged rows (tiles of 6) and panels (both 16-column halves, partial vectors), several K blocks.
        for (rows, n, k) in Int8ComputeTests.shapes {
            let (x, w, b) = Int8ComputeTests.inputs(rows: rows, n: n, k: k, &rng)
            let lin = Linear(weight: w, bias: b, outFeatures: n, inFeatures: k, precision: .int8)
            let ref = Int8ComputeTests.reference(x: x, w: w, bias: b, rows: rows, n: n, k: k)
            let maddubs = run(lin, x: x, rows: rows, pool: ThreadPool(threads: 1, kernelFamily: Self.vpmaddubsw))
            for threads in [1, 3] {
                let y = run(lin, x: x, rows: rows, pool: ThreadPool(threads: threads, kernelFamily: isa))
                #expect(worstRatio(y, ref, atol: 1e-5, rtol: 1e-5) <= 1, "\(rows)x\(n)x\(k) threads \(threads)")
                if k <= 1536 {
                    let differing = zip(y, maddubs).filter { $0 != $1 }.count
                    #expect(differing == 0, "\(rows)x\(n)x\(k) threads \(threads): \(differing) values differ from VPMADDUBSW")
                }
            }
        }
    }

    /// The epilogues the AVX2 family applies after the tile: GELU and a residual, and a fused gated unit.
    @Test(.enabled(if: family != nil, "needs AVX-VNNI, or AVX512-VNNI for its EVEX test twin"))
    func epiloguesMatchVPMADDUBSW() throws {
        let isa = try #require(Self.family)
        var rng = Rand(43)
        let vnni = ThreadPool(threads: 2, kernelFamily: isa), maddubs = ThreadPool(threads: 2, kernelFamily: Self.vpmaddubsw)
        let (rows, n, k) = (14, 70, 300)
        let x = rng.array(rows * k), w = rng.array(n * k), b = rng.array(n), res = rng.array(rows * n)
        let lin = Linear(weight: w, bias: b, outFeatures: n, inFeatures: k, precision: .int8)
        let y = run(lin, x: x, rows: rows, pool: vnni, activation: .gelu, residual: res)
        let want = run(lin, x: x, rows: rows, pool: maddubs, activation: .gelu, residual: res)
        #expect(zip(y, want).filter { $0 != $1 }.count == 0, "GELU and residual differ from VPMADDUBSW")
        for activation in [Ops.GatedActivation.gelu, .silu] {
            let gated = Linear(weight: rng.array(2 * 40 * k, scale: 0.3), bias: rng.array(80), outFeatures: 80, inFeatures: k, precision: .int8)
            let fused = try #require(gated.fusingGatedUnit(activation))
            let got = run(fused, x: x, rows: rows, pool: vnni), want = run(fused, x: x, rows: rows, pool: maddubs)
            #expect(zip(got, want).filter { $0 != $1 }.count == 0, "\(activation): fused gated unit differs from VPMADDUBSW")
            #expect(!got.contains { $0.isNaN })
        }
    }
}
