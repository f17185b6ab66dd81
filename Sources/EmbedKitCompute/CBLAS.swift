#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A CBLAS library whose `cblas_sgemm` computes the fp32 Linear layers instead of EmbedKit's kernels.
///
/// The library is opened at run time (`dlopen`), so no build configuration links one. On Apple
/// platforms Accelerate is used by default for fp32 (its `cblas_sgemm` runs on the CPU's matrix unit);
/// elsewhere none is, unless `EMBEDKIT_BLAS` names one (e.g. `libopenblas.so.0`, which is how the tests
/// exercise this very call against the goldens on Linux). `EMBEDKIT_BLAS=off` turns it off everywhere.
/// Only fp32 Linear layers built while a library is selected use it (their weights are then kept
/// [out, in] in fp32, fp16/bf16 checkpoints widened); bf16/int8 layers, attention and the elementwise
/// operations stay on the kernels.
public final class CBLAS: @unchecked Sendable {
    /// `cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)`, with CBLAS's
    /// enums as the C ABI passes them (32-bit integers).
    typealias SGEMM = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                      UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void

    /// The library as it was named (a path or a file name the dynamic loader resolves).
    public let library: String
    let sgemm: SGEMM

    /// Opens `library` and finds its `cblas_sgemm`; throws `ComputeError.blasUnavailable` otherwise.
    public init(library: String) throws {
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            throw ComputeError.blasUnavailable(library: library, reason: dlerror().map { String(cString: $0) } ?? "dlopen failed")
        }
        guard let symbol = dlsym(handle, "cblas_sgemm") else {
            dlclose(handle)
            throw ComputeError.blasUnavailable(library: library, reason: "it has no cblas_sgemm")
        }
        self.library = library
        self.sgemm = unsafeBitCast(symbol, to: SGEMM.self)
    }

    /// Accelerate's binary on Apple platforms (its legacy CBLAS interface).
    public static let accelerate = "/System/Library/Frameworks/Accelerate.framework/Accelerate"

    /// This platform's usual CBLAS library, opened: Accelerate on Apple platforms, OpenBLAS elsewhere
    /// (`libopenblas.so.0`, Debian's `libopenblas0`); nil when none can be opened. Not used unless
    /// selected (the tests use it to run Accelerate's call path on Linux).
    public static func platformLibrary() -> CBLAS? {
        #if canImport(Darwin)
        return try? CBLAS(library: accelerate)
        #else
        return ["libopenblas.so.0", "libopenblas.so"].lazy.compactMap { try? CBLAS(library: $0) }.first
        #endif
    }

    /// What Linear layers use when nothing is selected for the current task: `EMBEDKIT_BLAS` when set
    /// (a library, or `off`), else Accelerate on Apple platforms and the kernels elsewhere. A library
    /// that cannot be opened leaves the kernels in place, and `defaultError` says why
    /// (`EmbeddingModel.load` refuses to load then).
    public static var processDefault: CBLAS? { processChoice.library }
    /// Why `EMBEDKIT_BLAS` (or Accelerate) could not be used, when it could not.
    public static var defaultError: ComputeError? { processChoice.error }

    /// Resolved once per process, on first use (the library is opened once).
    private static let processChoice = resolve(environment: getenv("EMBEDKIT_BLAS").map { String(cString: $0) })

    /// The library an `EMBEDKIT_BLAS` value names (nil or empty: this platform's default; `off`: none),
    /// opened, or the reason it cannot be.
    package static func resolve(environment value: String?) -> (library: CBLAS?, error: ComputeError?) {
        var name: String?
        if let value, !value.isEmpty {
            name = value.lowercased() == "off" ? nil : value
        } else {
            #if canImport(Darwin)
            name = accelerate
            #endif
        }
        guard let name else { return (nil, nil) }
        do { return (try CBLAS(library: name), nil) } catch let e as ComputeError { return (nil, e) } catch { return (nil, nil) }
    }

    /// A per-task choice that overrides `processDefault` for Linear layers built inside it:
    /// `CBLAS.$selection.withValue(.library(lib)) { try await EmbeddingModel.load(...) }`.
    public enum Selection: Sendable {
        case kernels
        case library(CBLAS)
    }

    @TaskLocal public static var selection: Selection?

    /// The library fp32 Linear layers built now use, nil for the kernels.
    public static var current: CBLAS? {
        switch selection {
        case .kernels: return nil
        case .library(let lib): return lib
        case nil: return processDefault
        }
    }

    /// y[rows, n] = x[rows, k]·Wᵀ with W row-major [n, k]: `cblas_sgemm(RowMajor, NoTrans, Trans, ...)`.
    func multiply(_ x: UnsafePointer<Float>, rows: Int, weight: UnsafePointer<Float>, n: Int, k: Int,
                  into y: UnsafeMutablePointer<Float>) {
        let rowMajor: Int32 = 101, noTrans: Int32 = 111, trans: Int32 = 112
        sgemm(rowMajor, noTrans, trans, Int32(rows), Int32(n), Int32(k), 1, x, Int32(k), weight, Int32(k), 0, y, Int32(n))
    }
}
