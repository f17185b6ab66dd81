import EmbedKitCKernels

/// Element type in which a `Linear` keeps its weight in memory. fp16 and bf16 weights are widened
/// to fp32 inside the GEMM kernel, register by register (fp32 compute). `bfloat16Pairs` is bf16
/// compute: bf16 weights in the kernel's pair layout, multiplied with bf16-rounded activations.
public enum WeightStorage: String, Sendable {
    case float32, float16, bfloat16, bfloat16Pairs
    /// int8 compute: per-output-channel int8 weights with their scales, rows quantized at the input.
    case int8Quads
    /// fp32 [out, in] as given, multiplied by a CBLAS library's `cblas_sgemm` (`CBLAS.current`).
    case float32RowMajor

    var dtype: Int32 {
        switch self {
        case .float32, .float32RowMajor: return Int32(EK_DT_F32)
        case .float16: return Int32(EK_DT_F16)
        case .bfloat16: return Int32(EK_DT_BF16)
        case .bfloat16Pairs: return Int32(EK_DT_BF16_PAIRS)
        case .int8Quads: return Int32(EK_DT_I8_QUADS)
        }
    }

    var bytes: Int { self == .float32 || self == .float32RowMajor ? 4 : self == .int8Quads ? 1 : 2 }

    /// bf16 or int8 compute (fp16/bf16 storage computes in fp32).
    public var isReducedPrecision: Bool { self == .bfloat16Pairs || self == .int8Quads }

    /// The storage of reduced-precision compute; nil for fp32 (the checkpoint's own type is kept).
    init?(computing precision: ComputePrecision) {
        switch precision {
        case .fp32: return nil
        case .bf16: self = .bfloat16Pairs
        case .int8: self = .int8Quads
        }
    }
}

/// A fully connected layer y = x·Wᵀ + b with W given as PyTorch's `Linear.weight` [out, in].
/// The weight is packed once, at initialisation, into the GEMM kernel's panel layout
/// (32 output features × in, k-major), in its stored precision.
public final class Linear: @unchecked Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let storage: WeightStorage
    let packed: UnsafeMutableRawPointer
    let packedCount: Int
    let bias: [Float]?
    /// int8 with smoothing: per-input-feature factors the input is multiplied by as it is quantized
    /// (the weight's columns were multiplied by their inverses).
    public private(set) var inputScale: [Float]?
    /// The library that multiplies a `.float32RowMajor` weight.
    let blas: CBLAS?
    /// Set on a gated unit's projection fused by `fusingGatedUnit`: `apply` gives act(gate)·up, `outFeatures`
    /// values per row, and the panels hold 16 gate and 16 up features each.
    public private(set) var gatedActivation: Ops.GatedActivation?

    /// `weight` is row-major [outFeatures, inFeatures]; `bias` has outFeatures values.
    public convenience init(weight: [Float], bias: [Float]?, outFeatures: Int, inFeatures: Int) {
        precondition(weight.count == outFeatures * inFeatures, "Linear: weight has \(weight.count) values, expected \(outFeatures)×\(inFeatures)")
        if let blas = CBLAS.current {
            self.init(storage: .float32RowMajor, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures, blas: blas) { dst in
                weight.withUnsafeBytes { dst.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            }
            return
        }
        self.init(storage: .float32, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures) { dst in
            weight.withUnsafeBufferPointer { w in
                ek_pack_f32(w.baseAddress, Int32(outFeatures), Int32(inFeatures), dst.assumingMemoryBound(to: Float.self))
            }
        }
    }

    /// fp16 weight kept 16-bit in memory: `weightF16Bits` are IEEE binary16 bit patterns, [out, in].
    public convenience init(weightF16Bits: [UInt16], bias: [Float]?, outFeatures: Int, inFeatures: Int) {
        self.init(bits16: weightF16Bits, storage: .float16, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures)
    }

    /// bf16 weight kept 16-bit in memory: `weightBF16Bits` are bfloat16 bit patterns, [out, in].
    public convenience init(weightBF16Bits: [UInt16], bias: [Float]?, outFeatures: Int, inFeatures: Int) {
        self.init(bits16: weightBF16Bits, storage: .bfloat16, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures)
    }

    /// The same layer computed at `precision`: `.fp32` keeps the stored element type (fp16/bf16
    /// widened in the kernel); `.bf16` and `.int8` convert the weight once, here.
    public convenience init(weight: [Float], bias: [Float]?, outFeatures: Int, inFeatures: Int, precision: ComputePrecision) {
        precondition(weight.count == outFeatures * inFeatures, "Linear: weight has \(weight.count) values, expected \(outFeatures)×\(inFeatures)")
        guard let storage = WeightStorage(computing: precision) else {
            self.init(weight: weight, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures)
            return
        }
        let (n, k) = (Int32(outFeatures), Int32(inFeatures))
        self.init(storage: storage, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures) { dst in
            weight.withUnsafeBufferPointer { w in
                if storage == .int8Quads {
                    precondition(ek_pack_i8_quads_f32(w.baseAddress, n, k, dst.assumingMemoryBound(to: UInt8.self)) == 0, "Linear: out of memory")
                } else {
                    ek_pack_bf16_pairs_f32(w.baseAddress, n, k, dst.assumingMemoryBound(to: UInt16.self))
                }
            }
        }
    }

    /// An int8 layer whose input channels are smoothed (SmoothQuant): W's column j is multiplied by
    /// `factors[j]` before the weights are quantized and the input's channel j is divided by it as the
    /// input is quantized, so x·Wᵀ is unchanged while a few large input channels no longer dominate each
    /// row's int8 scale.
    public convenience init(weight: [Float], smoothing factors: [Float], bias: [Float]?, outFeatures: Int, inFeatures: Int) {
        precondition(factors.count == inFeatures && factors.allSatisfy { $0 > 0 && $0.isFinite }, "Linear: smoothing factors")
        var scaled = weight
        for o in 0..<outFeatures {
            for i in 0..<inFeatures { scaled[o * inFeatures + i] *= factors[i] }
        }
        self.init(weight: scaled, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures, precision: .int8)
        precondition(storage == .int8Quads, "Linear: smoothing is for int8 weights")
        inputScale = factors.map { 1 / $0 }
    }

    /// 16-bit weight bits (`isFloat16`: IEEE binary16, else bfloat16) computed at `precision`, without
    /// an fp32 copy of the weight.
    public convenience init(weightBits: [UInt16], isFloat16: Bool, bias: [Float]?, outFeatures: Int, inFeatures: Int,
                            precision: ComputePrecision) {
        guard let storage = WeightStorage(computing: precision) else {
            if CBLAS.current != nil { // a CBLAS sgemm multiplies fp32 only: widen once, here
                let wide = weightBits.map { Self.widen($0, isFloat16: isFloat16) }
                self.init(weight: wide, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures)
                return
            }
            self.init(bits16: weightBits, storage: isFloat16 ? .float16 : .bfloat16, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures)
            return
        }
        precondition(weightBits.count == outFeatures * inFeatures, "Linear: weight has \(weightBits.count) values, expected \(outFeatures)×\(inFeatures)")
        let (n, k, half) = (Int32(outFeatures), Int32(inFeatures), Int32(isFloat16 ? 1 : 0))
        self.init(storage: storage, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures) { dst in
            weightBits.withUnsafeBufferPointer { w in
                if storage == .int8Quads {
                    precondition(ek_pack_i8_quads_u16(w.baseAddress, n, k, half, dst.assumingMemoryBound(to: UInt8.self)) == 0, "Linear: out of memory")
                } else {
                    ek_pack_bf16_pairs_u16(w.baseAddress, n, k, half, dst.assumingMemoryBound(to: UInt16.self))
                }
            }
        }
    }

    private convenience init(bits16: [UInt16], storage: WeightStorage, bias: [Float]?, outFeatures: Int, inFeatures: Int) {
        precondition(bits16.count == outFeatures * inFeatures, "Linear: weight has \(bits16.count) values, expected \(outFeatures)×\(inFeatures)")
        self.init(storage: storage, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures) { dst in
            bits16.withUnsafeBufferPointer { w in
                ek_pack_u16(w.baseAddress, Int32(outFeatures), Int32(inFeatures), dst.assumingMemoryBound(to: UInt16.self))
            }
        }
    }

    /// `packedFeatures`: the features the packed weight holds when they are not `outFeatures` (a fused gated
    /// unit's interleaved panels; its bias is in that order too).
    private init(storage: WeightStorage, bias: [Float]?, outFeatures: Int, inFeatures: Int, blas: CBLAS? = nil,
                 packedFeatures: Int? = nil, pack: (UnsafeMutableRawPointer) -> Void) {
        precondition(outFeatures >= 0 && inFeatures >= 0, "Linear: negative shape")
        precondition(outFeatures <= Int(Int32.max) && inFeatures <= Int(Int32.max), "Linear: shape too large")
        let packedFeatures = packedFeatures ?? outFeatures
        precondition(bias == nil || bias!.count == packedFeatures, "Linear: bias has \(bias!.count) values, expected \(packedFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.storage = storage
        self.bias = bias
        self.blas = blas
        switch storage {
        case .bfloat16Pairs: packedCount = ek_packed_pair_elements(Int32(outFeatures), Int32(inFeatures))
        case .int8Quads: packedCount = ek_packed_quad_bytes(Int32(packedFeatures), Int32(inFeatures))
        case .float32RowMajor: packedCount = outFeatures * inFeatures
        default: packedCount = ek_packed_elements(Int32(outFeatures), Int32(inFeatures))
        }
        packed = UnsafeMutableRawPointer.allocate(byteCount: max(64, packedCount * storage.bytes), alignment: 64)
        pack(packed)
    }

    deinit { packed.deallocate() }

    /// This int8 layer, a gated unit's [gate | up] projection (gate first, `outFeatures` = 2·inner), as one
    /// whose `apply` computes the unit itself, act(gate)·up, in the GEMM's epilogue: the [rows, 2·inner]
    /// product is never written. The results are those of `apply` followed by `Ops.gatedUnit`, exactly.
    /// nil for other storages (their kernels have no such epilogue) and for an odd width.
    public func fusingGatedUnit(_ activation: Ops.GatedActivation) -> Linear? {
        guard storage == .int8Quads, gatedActivation == nil, outFeatures % 2 == 0 else { return nil }
        let inner = outFeatures / 2, panels = (inner + 15) / 16, nr = Int(EK_NR)
        // Biases in the same panel order: 16 of the gate, then the same 16 of the up projection (0 past `inner`).
        let interleavedBias: [Float]? = bias.map { b in
            [Float](unsafeUninitializedCapacity: panels * nr) { dst, count in
                ek_interleave_glu_bias(b, Int32(inner), dst.baseAddress!)
                count = panels * nr
            }
        }
        let fused = Linear(storage: .int8Quads, bias: interleavedBias, outFeatures: inner, inFeatures: inFeatures,
                           packedFeatures: panels * nr) { dst in
            ek_interleave_i8_quads_glu(packed.assumingMemoryBound(to: UInt8.self), Int32(inner), Int32(inFeatures),
                                       dst.assumingMemoryBound(to: UInt8.self))
        }
        fused.inputScale = inputScale
        fused.gatedActivation = activation
        return fused
    }

    /// Activation fused into `apply` after the bias.
    public enum Activation: Sendable {
        case none
        /// Exact erf GELU, ½x(1 + erf(x/√2)) (BERT's "gelu").
        case gelu

        var code: Int32 { self == .gelu ? Int32(EK_ACT_GELU) : Int32(EK_ACT_NONE) }
    }

    /// Bytes of weight memory held (packed weight, including panel padding, plus bias).
    public var memoryBytes: Int { packedCount * storage.bytes + (bias?.count ?? 0) * 4 }

    /// y[rows, out] = activation(x[rows, in]·Wᵀ + b) + residual. `x` and `y` are row-major and must not
    /// overlap; `residual` (optional, [rows, out]) must not overlap `y`.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, pool: ThreadPool,
                      activation: Activation = .none, residual: UnsafePointer<Float>? = nil) {
        if rows <= 0 || outFeatures == 0 { return }
        if let blas {   // set exactly for .float32RowMajor weights
            applyBLAS(blas, x, rows: rows, into: y, pool: pool, activation: activation, residual: residual)
            return
        }
        let n = outFeatures, k = inFeatures
        precondition(gatedActivation == nil || (activation == .none && residual == nil), "Linear: a fused gated unit takes no activation or residual")
        let perPanel = gatedActivation == nil ? Int(EK_NR) : 16
        let panels = (n + perPanel - 1) / perPanel
        let t = pool.threads
        // Many rows: split rows (every thread streams all weights once per 96-row block).
        // Few rows (short inputs, memory-bound): split the weight's column panels.
        var rowBlocks = 1, colBlocks = 1
        if t > 1 {
            if rows >= 32 * t {
                rowBlocks = t * max(1, rows / (128 * t))
            } else {
                colBlocks = min(panels, t)
            }
        }
        let rowsPer = ((rows + rowBlocks - 1) / rowBlocks + 7) / 8 * 8
        let panelsPer = (panels + colBlocks - 1) / colBlocks
        let isa = pool.isa, dtype = storage.dtype
        let act = gatedActivation.map { $0 == .silu ? Int32(EK_ACT_GLU_SILU) : Int32(EK_ACT_GLU_GELU) } ?? activation.code
        let weights = UnsafeRawPointer(packed)
        Self.withPointer(bias) { bias in
            Self.withPointer(inputScale) { aScale in
                pool.parallelFor(rowBlocks * colBlocks) { task in
                    let rb = task / colBlocks, cb = task % colBlocks
                    let m0 = rb * rowsPer, m1 = min(rows, m0 + rowsPer)
                    let p0 = cb * panelsPer, p1 = min(panels, p0 + panelsPer)
                    if m0 >= m1 || p0 >= p1 { return }
                    var args = ek_gemm_args(
                        m0: Int32(m0), m1: Int32(m1), p0: Int32(p0), p1: Int32(p1), n: Int32(n), k: Int32(k),
                        a: x, lda: Int32(k), b: weights, dtype: dtype, c: y, ldc: Int32(n),
                        bias: bias, act: act, residual: residual, ldr: Int32(n), a_scale: aScale)
                    ek_gemm(isa, &args)
                }
            }
        }
    }

    /// The CBLAS path: one sgemm over every row (the library threads it), then bias, activation and
    /// residual in the kernels, rows split over the pool.
    private func applyBLAS(_ blas: CBLAS, _ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
                           pool: ThreadPool, activation: Activation, residual: UnsafePointer<Float>?) {
        let n = outFeatures, k = inFeatures
        if k == 0 {
            y.update(repeating: 0, count: rows * n)
        } else {
            blas.multiply(x, rows: rows, weight: UnsafePointer(packed.assumingMemoryBound(to: Float.self)), n: n, k: k, into: y)
        }
        guard bias != nil || activation != .none || residual != nil else { return }
        let isa = pool.isa, act = activation.code
        Self.withPointer(bias) { bias in
            pool.parallelChunks(rows, minimumChunk: 16) { r in
                ek_bias_act_residual(isa, y, Int32(n), Int32(r.lowerBound), Int32(r.upperBound), Int32(n), bias, act,
                                     residual, Int32(n))
            }
        }
    }

    /// `body` with a pointer to `values`' storage, or nil.
    private static func withPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let values else { return body(nil) }
        return values.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    /// A 16-bit weight value as fp32 (exact): IEEE binary16 when `isFloat16`, else bfloat16.
    static func widen(_ bits: UInt16, isFloat16: Bool) -> Float {
        isFloat16 ? Reference.halfToFloat(bits) : Float(bitPattern: UInt32(bits) << 16)
    }

    /// W[o, i] as fp32 (for references and debugging; slow).
    package func weightValue(out o: Int, in i: Int) -> Float {
        precondition(gatedActivation == nil, "Linear: weightValue of a fused gated unit")
        let nr = Int(EK_NR), j = o % nr
        let bits16 = packed.assumingMemoryBound(to: UInt16.self)
        switch storage {
        case .float32RowMajor:
            return packed.assumingMemoryBound(to: Float.self)[o * inFeatures + i]
        case .float32, .float16, .bfloat16:
            let idx = (o / nr) * inFeatures * nr + i * nr + j
            if storage == .float32 { return packed.assumingMemoryBound(to: Float.self)[idx] }
            return Self.widen(bits16[idx], isFloat16: storage == .float16)
        case .bfloat16Pairs:
            let idx = (o / nr) * ((inFeatures + 1) / 2 * 2) * nr + (i / 2) * 2 * nr + 2 * j + (i & 1)
            return Float(bitPattern: UInt32(bits16[idx]) << 16)
        case .int8Quads:   // the dequantized value, scale·q
            let panel = packed + (o / nr) * (256 + (inFeatures + 3) / 4 * 4 * nr)
            let q = panel.load(fromByteOffset: 256 + (i / 4) * 4 * nr + 4 * j + (i & 3), as: Int8.self)
            return panel.loadUnaligned(fromByteOffset: 4 * j, as: Float.self) * Float(q)
        }
    }
}
