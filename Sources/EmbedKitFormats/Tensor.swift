import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Element types found in weight files.
public enum DType: String, Sendable {
    case float32 = "F32", float16 = "F16", bfloat16 = "BF16"
    public var byteSize: Int { self == .float32 ? 4 : 2 }
}

/// IEEE binary16 values widened to Float without the library call `Float(Float16(bitPattern:))` makes per
/// value on x86-64 (no F16C in the baseline target): the bits moved into Float's positions, the exponent
/// rebiased by one exact multiply by 2¹¹², which also turns binary16 subnormals into normal Floats.
/// Exact for every value; ±∞ stay ±∞, NaN stays NaN (payload kept).
public enum HalfFloat {
    @inlinable @inline(__always)
    public static func widen(_ bits: UInt16) -> Float {
        let h = UInt32(bits)
        let magnitude = (h & 0x7fff) << 13
        var f = Float(bitPattern: magnitude) * 0x1p112
        if h & 0x7c00 == 0x7c00 { f = Float(bitPattern: magnitude | 0x7f80_0000) }
        return Float(bitPattern: f.bitPattern | (h & 0x8000) << 16)
    }
}

/// One named tensor, as stored (row-major, little-endian). Values are widened on request.
public struct Tensor: Sendable {
    public let name: String
    public let shape: [Int]
    public let dtype: DType
    /// Raw little-endian bytes, `shape.product * dtype.byteSize` long.
    public let bytes: Data

    /// True when `bytes` is a read-only memory map of the weight file (its pages can be dropped and
    /// are read back from the file if touched again).
    public let isFileMapped: Bool

    public init(name: String, shape: [Int], dtype: DType, bytes: Data, isFileMapped: Bool = false) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.bytes = bytes
        self.isFileMapped = isFileMapped
    }

    /// Once the model has copied this tensor into its own buffers: tells the kernel the mapped file
    /// pages lying wholly inside it are not needed, so they leave the resident set instead of
    /// doubling the memory of a loaded model. No-op for tensors that are not file-mapped.
    public func releasePages() {
        guard isFileMapped, !bytes.isEmpty else { return }
        let page = Int(getpagesize())
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            let first = (Int(bitPattern: base) + page - 1) / page * page
            let last = (Int(bitPattern: base) + raw.count) / page * page
            if last > first, let p = UnsafeMutableRawPointer(bitPattern: first) {
                _ = madvise(p, last - first, Int32(MADV_DONTNEED))
            }
        }
    }

    public var count: Int { shape.reduce(1, *) }

    /// The values as Float32 (F16 and BF16 widened exactly).
    public func floats() -> [Float] {
        var out = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            switch dtype {
            case .float32:
                for i in 0..<count { out[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self).littleEndian) }
            case .float16:
                for i in 0..<count { out[i] = HalfFloat.widen(raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self).littleEndian) }
            case .bfloat16:
                for i in 0..<count {
                    let h = UInt32(raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self).littleEndian)
                    out[i] = Float(bitPattern: h << 16)
                }
            }
        }
        return out
    }

    /// The raw 16-bit patterns of an F16 or BF16 tensor.
    public func halfBits() -> [UInt16] {
        precondition(dtype != .float32)
        var out = [UInt16](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count { out[i] = raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self).littleEndian }
        }
        return out
    }
}

public enum FormatError: Error, CustomStringConvertible {
    case fileNotFound(String)
    case malformed(file: String, reason: String)
    case unsupported(file: String, reason: String)
    case missingTensor(file: String, name: String)
    case shapeMismatch(file: String, name: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .fileNotFound(let f): return "\(f): file not found"
        case .malformed(let f, let r): return "\(f): malformed weights file: \(r)"
        case .unsupported(let f, let r): return "\(f): unsupported content: \(r)"
        case .missingTensor(let f, let n): return "\(f): missing weight '\(n)'"
        case .shapeMismatch(let f, let n, let e, let s): return "\(f): weight '\(n)' has shape \(s), expected \(e)"
        }
    }
}

/// A set of named tensors loaded from one weights file.
public struct TensorStore: Sendable {
    public let file: String
    public let tensors: [String: Tensor]

    public init(file: String, tensors: [String: Tensor]) {
        self.file = file
        self.tensors = tensors
    }

    public var names: [String] { tensors.keys.sorted() }

    /// The tensor named exactly `name` (a model family resolves its own prefixes: `WeightLoader`).
    public func tensor(_ name: String) -> Tensor? { tensors[name] }

    /// Like `tensor(_:)`, but throws a clear error when absent or of the wrong shape.
    public func require(_ name: String, shape: [Int]? = nil) throws -> Tensor {
        guard let t = tensor(name) else { throw FormatError.missingTensor(file: file, name: name) }
        if let shape, shape != t.shape {
            throw FormatError.shapeMismatch(file: file, name: name, expected: shape, found: t.shape)
        }
        return t
    }

    /// Loads the weights file in `folder`: model.safetensors preferred, else pytorch_model.bin.
    public static func load(folder: URL) throws -> TensorStore {
        let st = folder.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: st.path) { return try SafeTensors.load(st) }
        let pt = folder.appendingPathComponent("pytorch_model.bin")
        if FileManager.default.fileExists(atPath: pt.path) { return try PyTorchArchive.load(pt) }
        throw FormatError.fileNotFound(folder.appendingPathComponent("model.safetensors").path + " (or pytorch_model.bin)")
    }
}
