import Foundation

/// Turns the tensor descriptions of a state_dict pickle into `Tensor`s over their storages'
/// bytes, as `torch._utils._rebuild_tensor_v2` would: `storage_offset`, `size` and `stride` are
/// honoured (a row-major contiguous view is a slice of the storage, anything else is gathered by
/// its strides) and several tensors may share one storage. Every index is bounds-checked.
package enum TorchTensorRebuild {
    package struct Result {
        package var tensors: [String: Tensor] = [:]
        /// Names of tensors whose storage is not floating point (e.g. int64 `position_ids`
        /// buffers of older checkpoints); they are not needed for inference and are not loaded.
        package var skipped: [String] = []
    }

    /// - Parameter storage: returns the raw bytes of storage `key` (the `data/<key>` record),
    ///   given the byte count the pickle implies; it is called once per distinct key.
    package static func tensors(
        _ entries: [(name: String, tensor: TorchTensorRef)],
        file: String,
        storage: (_ key: String, _ expectedBytes: Int) throws -> Data
    ) throws -> Result {
        func bad(_ r: String) -> FormatError { .malformed(file: file, reason: r) }
        var result = Result()
        var seen: [String: TorchStorageRef] = [:]
        var loaded: [String: Data] = [:]
        for (name, ref) in entries {
            let s = ref.storage
            if let first = seen[s.key], first != s {
                throw bad("storage '\(s.key)' is described as both \(first.type.shortName)[\(first.numel)] and \(s.type.shortName)[\(s.numel)]")
            }
            seen[s.key] = s
            guard let element = s.type.storageElement else {
                throw bad("tensor '\(name)': \(s.type.rawValue) is not a storage type")
            }
            guard let dtype = element.dtype else {
                result.skipped.append(name)
                continue
            }
            let es = element.byteSize
            let (storageBytes, o1) = s.numel.multipliedReportingOverflow(by: es)
            guard !o1 else { throw bad("storage '\(s.key)' element count \(s.numel) overflows") }

            // Element count and the last element the view touches, with overflow checks.
            var count = 1
            var last = ref.storageOffset
            for (n, st) in zip(ref.size, ref.stride) {
                let (c, oc) = count.multipliedReportingOverflow(by: n)
                guard !oc else { throw bad("tensor '\(name)' size \(ref.size) overflows") }
                count = c
                if n > 0 {
                    let (span, os) = (n - 1).multipliedReportingOverflow(by: st)
                    let (l, ol) = last.addingReportingOverflow(span)
                    guard !os, !ol else { throw bad("tensor '\(name)' strides \(ref.stride) overflow") }
                    last = l
                }
            }
            if count == 0 {
                result.tensors[name] = Tensor(name: name, shape: ref.size, dtype: dtype, bytes: Data())
                continue
            }
            guard last < s.numel else {
                throw bad("tensor '\(name)' (offset \(ref.storageOffset), size \(ref.size), stride \(ref.stride)) reaches element \(last) of storage '\(s.key)', which has \(s.numel)")
            }

            let bytes: Data
            if let b = loaded[s.key] {
                bytes = b
            } else {
                bytes = try storage(s.key, storageBytes)
                guard bytes.count == storageBytes else {
                    throw bad("storage '\(s.key)' has \(bytes.count) bytes, but its \(s.type.shortName) of \(s.numel) elements needs \(storageBytes)")
                }
                loaded[s.key] = bytes
            }
            let data: Data
            if isRowMajor(size: ref.size, stride: ref.stride) {
                let begin = bytes.startIndex + ref.storageOffset * es
                data = bytes[begin ..< begin + count * es]
            } else {
                // A broadcast view (stride 0) can name more elements than its storage holds; only
                // small ones are materialised, so a hostile size cannot force a huge allocation.
                let (total, ot) = count.multipliedReportingOverflow(by: es)
                guard !ot, count <= s.numel || total <= maxBroadcastBytes else {
                    throw bad("tensor '\(name)' is a broadcast view of \(count) elements over storage '\(s.key)' of \(s.numel); too large to materialise")
                }
                data = gather(bytes, elementSize: es, offset: ref.storageOffset, size: ref.size, stride: ref.stride, count: count)
            }
            result.tensors[name] = Tensor(name: name, shape: ref.size, dtype: dtype, bytes: data)
        }
        return result
    }

    /// Largest broadcast (stride-0) view materialised, in bytes.
    static let maxBroadcastBytes = 1 << 20

    /// True when `stride` is the row-major contiguous stride of `size` (dimensions of size 1 may
    /// carry any stride, as in torch).
    static func isRowMajor(size: [Int], stride: [Int]) -> Bool {
        var expected = 1
        for d in stride.indices.reversed() {
            if size[d] != 1 && stride[d] != expected { return false }
            expected *= size[d]
        }
        return true
    }

    /// Copies a strided view into a fresh row-major buffer. The caller has checked that every
    /// index lies inside `src`.
    static func gather(_ src: Data, elementSize es: Int, offset: Int, size: [Int], stride: [Int], count: Int) -> Data {
        var out = Data(count: count * es)
        let rank = size.count
        out.withUnsafeMutableBytes { dst in
            src.withUnsafeBytes { s in
                guard let d = dst.baseAddress, let b = s.baseAddress else { return }
                var index = [Int](repeating: 0, count: rank)
                var element = offset
                for i in 0..<count {
                    (d + i * es).copyMemory(from: b + element * es, byteCount: es)
                    var k = rank - 1
                    while k >= 0 {
                        index[k] += 1
                        element += stride[k]
                        if index[k] < size[k] { break }
                        element -= stride[k] * size[k]
                        index[k] = 0
                        k -= 1
                    }
                }
            }
        }
        return out
    }
}
