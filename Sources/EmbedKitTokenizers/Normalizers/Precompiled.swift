import Foundation

/// HF `Precompiled`: SentencePiece's compiled normalization rules (`precompiled_charsmap`, e.g.
/// nmt_nfkc for XLM-R and multilingual-e5). The blob is a little-endian u32 byte size, a Darts
/// double-array trie over UTF-8 keys of that size, then the NUL-separated replacement strings.
///
/// Applied as HF applies it: per extended grapheme cluster, a cluster shorter than 6 UTF-8 bytes is
/// looked up whole and, if any prefix of it is a key, replaced by the replacement of the shortest
/// such prefix; otherwise each of its scalars is looked up alone the same way and kept if none matches.
struct Precompiled: Normalizer {
    private let trie: [UInt32]
    private let replacements: [UInt8]

    /// A missing, null or empty charsmap normalizes nothing.
    init(_ j: JSONObject) throws {
        let value = j["precompiled_charsmap"]
        if value == nil || value is NSNullType || (value as? String)?.isEmpty == true {
            self.init(trie: [], replacements: []); return
        }
        guard let encoded = value as? String else { throw j.fail("'precompiled_charsmap' must be a base64 string") }
        guard let data = Data(base64Encoded: encoded) else { throw j.fail("'precompiled_charsmap' is not valid base64") }
        try self.init(blob: [UInt8](data), j)
    }

    private init(trie: [UInt32], replacements: [UInt8]) {
        self.trie = trie
        self.replacements = replacements
    }

    init(blob: [UInt8], _ j: JSONObject) throws {
        guard blob.count >= 4 else { throw j.fail("'precompiled_charsmap' is too short") }
        let size = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
        guard size % 4 == 0, size >= 4, 4 + size <= blob.count else {
            throw j.fail("'precompiled_charsmap' trie size \(size) does not fit its \(blob.count) bytes")
        }
        var units = [UInt32](repeating: 0, count: size / 4)
        for k in 0..<units.count {
            let o = 4 + 4 * k
            units[k] = UInt32(blob[o]) | UInt32(blob[o + 1]) << 8 | UInt32(blob[o + 2]) << 16 | UInt32(blob[o + 3]) << 24
        }
        let rest = Array(blob[(4 + size)...])
        guard String(validating: rest, as: UTF8.self) != nil else {
            throw j.fail("'precompiled_charsmap' replacement strings are not valid UTF-8")
        }
        self.init(trie: units, replacements: rest)
    }

    // Darts unit fields.
    @inline(__always) private static func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }
    @inline(__always) private static func label(_ u: UInt32) -> UInt32 { u & ((1 << 31) | 0xFF) }
    @inline(__always) private static func hasLeaf(_ u: UInt32) -> Bool { (u >> 8) & 1 == 1 }
    @inline(__always) private static func value(_ u: UInt32) -> Int { Int(u & ((1 << 31) - 1)) }

    /// Replacement offset of the shortest key that is a prefix of `key` (stopping at a NUL byte).
    private func shortestPrefixMatch(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !trie.isEmpty else { return nil }
        var pos = Precompiled.offset(trie[0])
        for c in key {
            if c == 0 { break }
            pos ^= Int(c)
            guard pos >= 0 && pos < trie.count else { return nil }
            let unit = trie[pos]
            if Precompiled.label(unit) != UInt32(c) { return nil }
            pos ^= Precompiled.offset(unit)
            guard pos >= 0 && pos < trie.count else { return nil }
            if Precompiled.hasLeaf(unit) { return Precompiled.value(trie[pos]) }
        }
        return nil
    }

    /// The replacement scalars for `key`'s shortest matching prefix, or nil.
    private func transform(_ key: UnsafeBufferPointer<UInt8>) -> [Unicode.Scalar]? {
        guard let start = shortestPrefixMatch(key), start <= replacements.count else { return nil }
        var end = start
        while end < replacements.count && replacements[end] != 0 { end += 1 }
        guard let s = String(validating: replacements[start..<end], as: UTF8.self) else { return nil }
        return Array(s.unicodeScalars)
    }

    func normalize(_ s: inout NormalizedString) {
        if trie.isEmpty || s.isEmpty { return }
        var nc: [Unicode.Scalar] = [], ns: [Int] = [], ne: [Int] = []
        nc.reserveCapacity(s.count); ns.reserveCapacity(s.count); ne.reserveCapacity(s.count)
        var modified = false
        var utf8: [UInt8] = []
        var text = String()
        text.unicodeScalars.append(contentsOf: s.chars)
        var i = 0   // scalar index of the current cluster in s
        func emit(_ out: [Unicode.Scalar], _ range: Range<Int>) {
            let r = s.originalRange(range)
            for c in out { nc.append(c); ns.append(r.lowerBound); ne.append(r.upperBound) }
        }
        for cluster in text {
            let n = cluster.unicodeScalars.count
            utf8.removeAll(keepingCapacity: true)
            utf8.append(contentsOf: cluster.utf8)
            if utf8.count < 6, let out = utf8.withUnsafeBufferPointer({ transform($0) }) {
                emit(out, i..<i + n)
                modified = true
            } else {
                for k in i..<i + n {
                    let c = s.chars[k]
                    let out = Array(Unicode.UTF8.encode(c)!).withUnsafeBufferPointer { transform($0) }
                    if let out {
                        emit(out, k..<k + 1)
                        modified = true
                    } else {
                        nc.append(c); ns.append(s.starts[k]); ne.append(s.ends[k])
                    }
                }
            }
            i += n
        }
        if modified { s.chars = nc; s.starts = ns; s.ends = ne }
    }
}
