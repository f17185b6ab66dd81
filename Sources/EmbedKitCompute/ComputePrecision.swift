import EmbedKitCKernels

/// The precision the GEMMs of a model compute in. Weights are converted once, at load.
///
/// - `fp32`: exact sentence-transformers parity (the reference; the default everywhere).
/// - `bf16`: weights rounded to bfloat16 and activations rounded to bfloat16 at each GEMM input,
///   products accumulated in fp32 (AVX512-BF16 `VDPBF16PS`, ARM `BFDOT`). Embeddings, LayerNorm, attention,
///   softmax, GELU, pooling and the Dense head stay fp32. Half the weight memory.
/// - `int8`: the same layers with per-output-channel symmetric int8 weights and activations quantized
///   per row (symmetric, dynamic) at each GEMM input, int32 sums (AVX512-VNNI `VPDPBUSD`, ARM `SMMLA`
///   or `SDOT`). A quarter of
///   the weight memory.
public enum ComputePrecision: String, Sendable, CaseIterable, CustomStringConvertible {
    case fp32
    case bf16
    case int8

    public var description: String { rawValue }

    /// The instructions the precision needs.
    public var instructions: String {
        switch self {
        case .fp32: return "none beyond the fp32 kernels"
        case .bf16: return "AVX512-BF16 (VDPBF16PS) or ARM BF16 (BFDOT)"
        case .int8: return "AVX2 (VPMADDUBSW), AVX512-VNNI (VPDPBUSD) or the ARM dot product (SDOT)"
        }
    }

    /// Whether this CPU has the instructions that make the precision fast. (bf16 or int8 without them would
    /// give the same numbers through scalar code, far slower than fp32: refused instead.)
    public var isSupported: Bool {
        switch self {
        case .fp32: return true
        case .bf16: return ek_dtype_fast(Int32(EK_DT_BF16_PAIRS)) != 0
        case .int8: return ek_dtype_fast(Int32(EK_DT_I8_QUADS)) != 0
        }
    }

    /// Precisions this CPU runs fast, fp32 first.
    public static var supported: [ComputePrecision] { allCases.filter(\.isSupported) }
}
