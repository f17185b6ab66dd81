import EmbedKitCompute

/// The precision a model computes in, chosen at load (weights are converted once, then).
///
/// - `fp32` (the default): exact sentence-transformers parity.
/// - `bf16`: the Transformer's Linear layers in bfloat16 with fp32 accumulation (AVX512-BF16); half
///   the weight memory. Embeddings, LayerNorm, attention, softmax, GELU, pooling and the modules after
///   the Transformer stay fp32. Refused on a CPU without AVX512-BF16.
/// - `int8`: the same layers with per-channel int8 weights and per-row dynamic int8 activations (every
///   AVX2 CPU, AVX512-VNNI, the ARM dot product), the feed-forward down projection's input smoothed per
///   channel (WeightLoader.downProjection); refused elsewhere. Loses about a quarter of the STS-B budget
///   (docs/precision.md); never picked by `auto`.
/// - `auto`: bf16 where the CPU has AVX512-BF16, else fp32: the fastest precision with no measurable
///   STS-B cost (int8 is faster and within the 0.003 budget, but moves single vectors further; see
///   docs/precision.md). Never picked unless asked for; the choice is logged and reported in
///   `ModelInfo.precision`.
public enum Precision: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case fp32
    case bf16
    case int8
    case auto

    public var description: String { rawValue }

    /// Parses a user's spelling (`fp32`/`float32`, `bf16`/`bfloat16`, `int8`, `auto`), case-insensitively.
    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "fp32", "float32", "f32": self = .fp32
        case "bf16", "bfloat16": self = .bf16
        case "int8": self = .int8
        case "auto": self = .auto
        default:
            throw EmbedKitError.invalidOption("unknown precision '\(text)' (use fp32, bf16, int8 or auto)")
        }
    }

    /// The precision the kernels run: `auto` resolved on this CPU. Throws for bf16 or int8 on a CPU
    /// without their instructions.
    public func resolved() throws -> ComputePrecision {
        switch self {
        case .fp32: return .fp32
        case .bf16, .int8:
            let compute = ComputePrecision(rawValue: rawValue)!   // the same names
            guard compute.isSupported else {
                throw EmbedKitError.invalidOption(ComputeError.unsupportedPrecision(compute).description)
            }
            return compute
        case .auto: return ComputePrecision.bf16.isSupported ? .bf16 : .fp32
        }
    }

    /// `EMBEDKIT_PRECISION` from the environment, if set.
    public static func fromEnvironment(_ environment: [String: String]) throws -> Precision? {
        guard let value = environment["EMBEDKIT_PRECISION"], !value.isEmpty else { return nil }
        return try Precision(parsing: value)
    }
}
