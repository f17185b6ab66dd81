import EmbedKitFormats

/// A lookup table [rows, width] kept in its stored precision (fp16/bf16 tables stay 16-bit).
struct EmbeddingTable: @unchecked Sendable {
    let rows: Int
    let width: Int
    private let f32: [Float]
    private let bits16: [UInt16]
    private let dtype: DType

    init(_ tensor: Tensor) {
        rows = tensor.shape[0]
        width = tensor.shape.count > 1 ? tensor.shape[1] : 1
        dtype = tensor.dtype
        if tensor.dtype == .float32 {
            f32 = tensor.floats(); bits16 = []
        } else {
            f32 = []; bits16 = tensor.halfBits()
        }
        tensor.releasePages()
    }

    var memoryBytes: Int { f32.count * 4 + bits16.count * 2 }

    /// out[0..<width] += table[row]
    @inline(__always)
    func add(row: Int, into out: UnsafeMutablePointer<Float>) {
        let base = row * width
        switch dtype {
        case .float32:
            f32.withUnsafeBufferPointer { t in for c in 0..<width { out[c] += t[base + c] } }
        case .float16:
            bits16.withUnsafeBufferPointer { t in for c in 0..<width { out[c] += HalfFloat.widen(t[base + c]) } }
        case .bfloat16:
            bits16.withUnsafeBufferPointer { t in for c in 0..<width { out[c] += Float(bitPattern: UInt32(t[base + c]) << 16) } }
        }
    }
}
