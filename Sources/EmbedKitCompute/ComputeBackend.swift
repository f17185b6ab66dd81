import EmbedKitCKernels

/// The kernel family used by GEMM, attention and the fused elementwise ops. All families give the
/// same results up to float rounding; they differ in speed and in the CPU features they need.
public enum ComputeBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Portable C vectors with separate multiply and add; runs on any CPU.
    case generic
    /// AVX2 + FMA + F16C (x86-64 since Haswell). Its int8 GEMMs run on AVX-VNNI where the CPU has it
    /// (Alder Lake and later, Zen 5), else on VPMADDUBSW.
    case avx2
    /// AVX-512 F/BW/VL/DQ (Skylake-SP and later Xeons, Zen 4+).
    case avx512
    /// AArch64 Advanced SIMD with FMA (every 64-bit ARM CPU: Apple M-series, Graviton, Ampere).
    /// Its int8 and bf16 GEMMs run on SDOT / SMMLA / BFDOT where the CPU has them.
    case neon

    package var isa: Int32 {
        switch self {
        case .generic: return Int32(EK_ISA_GENERIC)
        case .avx2: return Int32(EK_ISA_AVX2)
        case .avx512: return Int32(EK_ISA_AVX512)
        case .neon: return Int32(EK_ISA_NEON)
        }
    }

    /// The base family of a kernel family (the dot-product siblings report their base).
    init(isa: Int32) {
        switch isa & ~Int32(EK_ISA_EXACT) {
        case Int32(EK_ISA_AVX512), Int32(EK_ISA_AVX512_BF16), Int32(EK_ISA_AVX512_VNNI): self = .avx512
        case Int32(EK_ISA_AVX2), Int32(EK_ISA_AVX2_VNNI), Int32(EK_ISA_AVX2_VNNI_EVEX): self = .avx2
        case Int32(EK_ISA_NEON), Int32(EK_ISA_NEON_DOTPROD), Int32(EK_ISA_NEON_I8MM), Int32(EK_ISA_NEON_BF16): self = .neon
        default: self = .generic
        }
    }

    public var description: String { rawValue }

    /// Whether this CPU can run the family.
    public var isSupported: Bool { ek_isa_supported(isa) != 0 }

    /// The fastest family this CPU supports.
    public static var best: ComputeBackend { ComputeBackend(isa: ek_best_isa()) }

    /// Families this CPU supports, slowest first.
    public static var supported: [ComputeBackend] { allCases.filter(\.isSupported) }

    /// The family used by pools that do not name one: the forced one, else `best`.
    public static var active: ComputeBackend { ComputeBackend(isa: ek_resolve_isa(-1)) }

    /// Forces the family for every pool created without an explicit backend; `nil` restores `best`.
    /// Throws `ComputeError.unsupportedBackend` when this CPU cannot run it.
    public static func force(_ backend: ComputeBackend?) throws {
        guard let backend else { ek_set_isa_override(-1); return }
        guard backend.isSupported else { throw ComputeError.unsupportedBackend(backend) }
        ek_set_isa_override(backend.isa)
    }
}

/// Errors of the Compute module.
public enum ComputeError: Error, Equatable, CustomStringConvertible {
    /// The CPU lacks the instructions of the requested kernel family.
    case unsupportedBackend(ComputeBackend)
    /// The CPU lacks the instructions of the requested compute precision.
    case unsupportedPrecision(ComputePrecision)
    /// A CBLAS library (EMBEDKIT_BLAS) could not be opened or has no `cblas_sgemm`.
    case blasUnavailable(library: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedBackend(let b):
            return "compute backend '\(b)' is not supported by this CPU (supported: "
                + ComputeBackend.supported.map { $0.rawValue }.joined(separator: ", ") + ")"
        case .unsupportedPrecision(let p):
            return "precision '\(p)' needs a CPU with \(p.instructions), which this one lacks; use fp32"
                + " (supported here: " + ComputePrecision.supported.map { $0.rawValue }.joined(separator: ", ") + ")"
        case .blasUnavailable(let library, let reason):
            return "the BLAS library '\(library)' cannot be used (\(reason)); name another in EMBEDKIT_BLAS, or set it to 'off'"
        }
    }
}

extension ComputeBackend {
    /// Benchmark helper: FP32 GFLOP/s one thread gets from register-bound AVX-512 FMAs right now, by
    /// wall time and by thread CPU time (nil without AVX-512).
    package static func fmaProbe() -> (wall: Double, cpu: Double)? {
        var cpu = 0.0
        let wall = ek_fma_probe_gflops(&cpu)
        return wall > 0 ? (wall, cpu) : nil
    }
}
