import EmbedKitCompute
import Testing

/// Accelerate on Apple platforms, OpenBLAS on Linux (nil when neither loads).
enum SystemBLAS {
    static let library = CBLAS.platformLibrary()
}

/// The `cblas_sgemm` call fp32 Linear layers make on Apple platforms, made here through OpenBLAS:
/// transposes, leading dimensions and the epilogue against the Double reference.
@Suite(.enabled(if: SystemBLAS.library != nil, "needs a CBLAS library (Debian: libopenblas0)"))
struct CBLASLinearTests {
    @Test(arguments: [(1, 1, 1), (3, 17, 5), (7, 33, 13), (70, 96, 130), (5, 40, 0)])
    func matchesTheReference(_ shape: (Int, Int, Int)) throws {
        let (rows, n, k) = shape
        let lib = try #require(SystemBLAS.library)
        var rng = Rand(11)
        let x = rng.array(rows * k), w = rng.array(n * k), bias = rng.array(n), residual = rng.array(rows * n)
        let linear = CBLAS.$selection.withValue(.library(lib)) {
            Linear(weight: w, bias: bias, outFeatures: n, inFeatures: k)
        }
        #expect(linear.storage == WeightStorage.float32RowMajor)
        if k > 0 {
            let last: Float = linear.weightValue(out: n - 1, in: k - 1)
            #expect(last == w[n * k - 1])
        }
        for (activation, res) in [(Linear.Activation.none, nil), (.gelu, residual)] as [(Linear.Activation, [Float]?)] {
            let y = run(linear, x: x, rows: rows, pool: ThreadPool(threads: 2), activation: activation, residual: res)
            let want = referenceLinear(x: x, w: w, bias: bias, residual: res, rows: rows, n: n, k: k, gelu: activation == .gelu)
            for i in 0..<y.count {
                #expect(abs(Double(y[i]) - want[i]) <= gemmAtol(k), "\(rows)x\(n)x\(k) \(activation) at \(i)")
            }
        }
    }

    @Test func sixteenBitWeightsAreWidened() throws {
        let lib = try #require(SystemBLAS.library)
        let (n, k) = (9, 21)
        var rng = Rand(21)
        let w = rng.array(n * k)
        let bf16 = w.map { bf16Bits($0) }
        let linear = CBLAS.$selection.withValue(.library(lib)) {
            Linear(weightBits: bf16, isFloat16: false, bias: nil, outFeatures: n, inFeatures: k, precision: .fp32)
        }
        #expect(linear.storage == WeightStorage.float32RowMajor)
        for o in 0..<n {
            for i in 0..<k {
                let value: Float = linear.weightValue(out: o, in: i)
                #expect(value == bf16Value(bf16[o * k + i]))
            }
        }
    }

    @Test func kernelsWhenSelectedOrReduced() throws {
        let lib = try #require(SystemBLAS.library)
        var rng = Rand(31)
        let w = rng.array(32 * 8)
        CBLAS.$selection.withValue(.kernels) {
            #expect(Linear(weight: w, bias: nil, outFeatures: 32, inFeatures: 8).storage == .float32)
        }
        CBLAS.$selection.withValue(.library(lib)) {
            #expect(Linear(weight: w, bias: nil, outFeatures: 32, inFeatures: 8, precision: .bf16).storage == .bfloat16Pairs)
        }
    }
}

@Test func blasEnvironmentValues() {
    #expect(CBLAS.resolve(environment: "off").library == nil && CBLAS.resolve(environment: "off").error == nil)
    let missing = CBLAS.resolve(environment: "libembedkit-no-such-blas.so")
    #expect(missing.library == nil)
    #expect(missing.error.map { "\($0)".contains("libembedkit-no-such-blas.so") } == true)
    #if !canImport(Darwin)
    #expect(CBLAS.resolve(environment: nil).library == nil)   // no library unless named, off Apple platforms
    #endif
}

@Test func aLibraryWithoutSgemmIsRefusedByName() {
    #expect(throws: ComputeError.self) { try CBLAS(library: "libembedkit-no-such-blas.so") }
    do {
        _ = try CBLAS(library: "libembedkit-no-such-blas.so")
    } catch {
        #expect("\(error)".contains("libembedkit-no-such-blas.so") && "\(error)".contains("EMBEDKIT_BLAS"))
    }
}
