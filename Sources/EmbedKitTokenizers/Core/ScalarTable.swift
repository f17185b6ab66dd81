/// A read-only hash table from exact Unicode scalar sequences to ids, looked up with a pointer into
/// the text being tokenized: no `String` is built, and equality is scalar-exact (as HF compares
/// tokens), not Swift's canonical equivalence.
struct ScalarTable: Sendable {
    /// All keys, back to back.
    private let keys: [UInt32]
    /// Per entry: start in `keys`, length, id.
    private let entryStart: [Int32]
    private let entryLength: [Int32]
    private let entryId: [Int32]
    /// Open addressing, linear probing; entry index + 1, 0 = empty.
    private let slots: [Int32]
    private let mask: Int
    /// The longest key, in scalars.
    let maxKeyLength: Int

    var count: Int { entryId.count }

    /// `pairs`: (key scalars, id). A key given twice keeps its first id.
    init<S: Sequence>(_ pairs: S) where S.Element == ([Unicode.Scalar], Int) {
        var keys: [UInt32] = [], starts: [Int32] = [], lengths: [Int32] = [], ids: [Int32] = []
        var longest = 0
        for (k, id) in pairs {
            starts.append(Int32(keys.count))
            lengths.append(Int32(k.count))
            ids.append(Int32(truncatingIfNeeded: id))
            for c in k { keys.append(c.value) }
            longest = max(longest, k.count)
        }
        var capacity = 16
        while capacity < ids.count * 2 { capacity <<= 1 }
        var slots = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        keys.withUnsafeBufferPointer { kb in
            for e in 0..<ids.count {
                let key = UnsafeBufferPointer(rebasing: kb[Int(starts[e])..<Int(starts[e]) + Int(lengths[e])])
                var s = ScalarTable.hash(key) & mask
                var duplicate = false
                while slots[s] != 0 {
                    let o = Int(slots[s]) - 1
                    if lengths[o] == lengths[e],
                       kb[Int(starts[o])..<Int(starts[o]) + Int(lengths[o])].elementsEqual(key) { duplicate = true; break }
                    s = (s + 1) & mask
                }
                if !duplicate { slots[s] = Int32(e + 1) }
            }
        }
        self.keys = keys
        self.entryStart = starts
        self.entryLength = lengths
        self.entryId = ids
        self.slots = slots
        self.mask = mask
        self.maxKeyLength = longest
    }

    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt32>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in key { h = (h ^ UInt64(v)) &* 0x0000_0100_0000_01b3 }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }

    /// The id of exactly `key`, or nil.
    @inline(__always)
    func id(_ key: UnsafeBufferPointer<Unicode.Scalar>) -> Int? {
        key.withMemoryRebound(to: UInt32.self) { id(raw: $0) }
    }

    func id(raw key: UnsafeBufferPointer<UInt32>) -> Int? {
        let n = key.count
        if n > maxKeyLength { return nil }
        return slots.withUnsafeBufferPointer { sb -> Int? in
            keys.withUnsafeBufferPointer { kb -> Int? in
                var s = ScalarTable.hash(key) & mask
                while true {
                    let e = Int(sb[s])
                    if e == 0 { return nil }
                    let o = e - 1
                    if Int(entryLength[o]) == n {
                        let start = Int(entryStart[o])
                        var equal = true
                        for k in 0..<n where kb[start + k] != key[k] { equal = false; break }
                        if equal { return Int(entryId[o]) }
                    }
                    s = (s + 1) & mask
                }
            }
        }
    }

    /// The id of exactly the scalars of `key`.
    func id(_ key: [Unicode.Scalar]) -> Int? {
        key.withUnsafeBufferPointer { id($0) }
    }
}

/// Unicode scalar → id, with a dense table for the Basic Multilingual Plane.
struct ScalarMap: Sendable {
    private let bmp: [Int32]      // -1 = absent
    private let rest: [UInt32: Int32]

    init<S: Sequence>(_ pairs: S) where S.Element == (Unicode.Scalar, Int) {
        var bmp = [Int32](repeating: -1, count: 0x10000)
        var rest: [UInt32: Int32] = [:]
        for (c, id) in pairs {
            if c.value < 0x10000 { if bmp[Int(c.value)] < 0 { bmp[Int(c.value)] = Int32(truncatingIfNeeded: id) } }
            else if rest[c.value] == nil { rest[c.value] = Int32(truncatingIfNeeded: id) }
        }
        self.bmp = bmp
        self.rest = rest
    }

    @inline(__always)
    subscript(_ c: Unicode.Scalar) -> Int? {
        if c.value < 0x10000 {
            let v = bmp[Int(c.value)]
            return v < 0 ? nil : Int(v)
        }
        return rest[c.value].map(Int.init)
    }
}
