import CKernels

/// The precision the GEMMs of a model compute in. Weights are converted once, at load.
///
/// - `fp32`: exact sentence-transformers parity (the reference; the default everywhere).
/// - `bf16`: weights rounded to bfloat16 and activations rounded to bfloat16 at each GEMM input,
///   products accumulated in fp32 (AVX512-BF16 `VDPBF16PS`). Embeddings, LayerNorm, attention,
///   softmax, GELU, pooling and the Dense head stay fp32. Half the weight memory.
public enum ComputePrecision: String, Sendable, CaseIterable, CustomStringConvertible {
    case fp32
    case bf16

    public var description: String { rawValue }

    /// Whether this CPU has the instructions that make the precision fast. (bf16 without them would
    /// give the same numbers through scalar code, far slower than fp32: refused instead.)
    public var isSupported: Bool {
        switch self {
        case .fp32: return true
        case .bf16: return ek_isa_supported(Int32(EK_ISA_AVX512_BF16)) != 0
        }
    }

    /// Precisions this CPU runs fast, fp32 first.
    public static var supported: [ComputePrecision] { allCases.filter(\.isSupported) }
}
