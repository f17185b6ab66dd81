import Foundation

/// HF `BPE`: merges applied by rank (lowest first, leftmost on ties) with a heap; raw-Unicode or
/// byte-level vocabularies; unk / fuse_unk / byte_fallback / continuing_subword_prefix /
/// end_of_word_suffix / ignore_merges. `dropout` is ignored (inference).
final class BPE: TokenizerModel, @unchecked Sendable {
    let vocab: Vocabulary
    /// (left id, right id) → (rank, merged id)
    let merges: MergeTable
    let unkToken: String?
    let fuseUnk: Bool
    let byteFallback: Bool
    let continuingSubwordPrefix: String?
    let endOfWordSuffix: String?
    let ignoreMerges: Bool
    /// id of "<0xXX>" for each byte, if all present.
    let byteTokens: [Int?]
    /// id of each single scalar without prefix/suffix (fast path for word initialisation).
    let charIds: ScalarMap
    let unkId: Int?

    /// Recent words and their tokens, direct-mapped by hash (a word evicts the one in its slot).
    private let cacheLock = NSLock()
    private var cache: [(word: [Unicode.Scalar], tokens: [ModelToken])?]
    private static let cacheSlots = 1 << 14

    init(_ j: JSONObject) throws {
        let v = try Vocabulary.parse(j["vocab"], j)
        let voc = Vocabulary(v)
        vocab = voc
        unkToken = try j.optionalString("unk_token")
        fuseUnk = try j.bool("fuse_unk", default: false)
        byteFallback = try j.bool("byte_fallback", default: false)
        continuingSubwordPrefix = try j.optionalString("continuing_subword_prefix")
        endOfWordSuffix = try j.optionalString("end_of_word_suffix")
        ignoreMerges = try j.bool("ignore_merges", default: false)
        let prefixLen = continuingSubwordPrefix?.unicodeScalars.count ?? 0
        let list = try j.array("merges") ?? []
        var m: [(UInt64, rank: Int32, id: Int32)] = []
        m.reserveCapacity(list.count)
        for (rank, item) in list.enumerated() {
            let a: String, b: String
            if let s = item as? String {
                let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw j.fail("merge \(rank) '\(s)' is not two tokens separated by a space") }
                a = String(parts[0]); b = String(parts[1])
            } else if let p = item as? [Any], p.count == 2, let x = p[0] as? String, let y = p[1] as? String {
                a = x; b = y
            } else {
                throw j.fail("merge \(rank) must be \"a b\" or [\"a\", \"b\"]")
            }
            guard let ia = voc.id(a), let ib = voc.id(b) else { throw j.fail("merge \(rank) uses a token missing from the vocabulary") }
            let merged = a + String(String.UnicodeScalarView(b.unicodeScalars.dropFirst(prefixLen)))
            guard let im = voc.id(merged) else { throw j.fail("merge \(rank) result '\(merged)' is missing from the vocabulary") }
            m.append((UInt64(ia) << 32 | UInt64(ib), Int32(rank), Int32(im)))
        }
        merges = MergeTable(m)
        var bt: [Int?] = []
        for b in 0..<256 { bt.append(v[String(format: "<0x%02X>", b)]) }
        byteTokens = bt
        charIds = ScalarMap(voc.pairs.compactMap { t, i in
            let u = t.unicodeScalars
            return u.count == 1 ? (u.first!, i) : nil
        })
        unkId = unkToken.flatMap { voc.id($0) }
        cache = Array(repeating: nil, count: BPE.cacheSlots)
    }

    func tokenToId(_ token: String) -> Int? { vocab.id(token) }
    func idToToken(_ id: Int) -> String? { vocab.token(id) }
    var vocabularySize: Int { vocab.count }

    private struct Symbol {
        var id: Int
        var start: Int   // word scalar index
        var end: Int
        var prev: Int
        var next: Int
        var alive: Bool
    }

    func tokenize(_ word: UnsafeBufferPointer<Unicode.Scalar>, into tokens: inout [ModelToken]) {
        if word.isEmpty { return }
        let useCache = word.count < 64
        var slot = 0
        if useCache {
            slot = word.withMemoryRebound(to: UInt32.self) { ScalarTable.hash($0) } & (BPE.cacheSlots - 1)
            cacheLock.lock()
            if let hit = cache[slot], hit.word.elementsEqual(word) {
                tokens.append(contentsOf: hit.tokens)
                cacheLock.unlock()
                return
            }
            cacheLock.unlock()
        }
        let mark = tokens.count
        compute(word, into: &tokens)
        if useCache {
            let entry = (Array(word), Array(tokens[mark...]))
            cacheLock.lock()
            cache[slot] = entry
            cacheLock.unlock()
        }
    }

    private func compute(_ word: UnsafeBufferPointer<Unicode.Scalar>, into tokens: inout [ModelToken]) {
        if ignoreMerges, let id = vocab.id(word) {
            tokens.append(ModelToken(id: id, range: 0..<word.count)); return
        }
        var symbols: [Symbol] = []
        symbols.reserveCapacity(word.count)
        func add(_ id: Int, _ a: Int, _ b: Int) {
            let k = symbols.count
            symbols.append(Symbol(id: id, start: a, end: b, prev: k - 1, next: k + 1, alive: true))
        }
        var unk: (id: Int, start: Int, end: Int)? = nil
        let simple = continuingSubwordPrefix == nil && endOfWordSuffix == nil
        let n = word.count
        for i in 0..<n {
            var id: Int?
            if simple {
                id = charIds[word[i]]
            } else {
                var s = String()
                if i > 0, let p = continuingSubwordPrefix { s += p }
                s.unicodeScalars.append(word[i])
                if i == n - 1, let suf = endOfWordSuffix { s += suf }
                id = vocab.id(s)
            }
            if let id {
                if let u = unk { add(u.id, u.start, u.end); unk = nil }
                add(id, i, i + 1)
                continue
            }
            if byteFallback {
                var s = String()
                if i > 0, let p = continuingSubwordPrefix { s += p }
                s.unicodeScalars.append(word[i])
                if i == n - 1, let suf = endOfWordSuffix { s += suf }
                let ids = s.utf8.map { byteTokens[Int($0)] }
                if ids.allSatisfy({ $0 != nil }) {
                    if let u = unk { add(u.id, u.start, u.end); unk = nil }
                    for b in ids { add(b!, i, i + 1) }
                    continue
                }
            }
            if let uid = unkId {
                if let u = unk {
                    if fuseUnk {
                        unk = (u.id, u.start, i + 1)
                    } else {
                        add(u.id, u.start, u.end)
                        unk = (uid, i, i + 1)
                    }
                } else {
                    unk = (uid, i, i + 1)
                }
            }
        }
        if let u = unk { add(u.id, u.start, u.end) }
        if symbols.isEmpty { return }
        symbols[symbols.count - 1].next = -1

        // Heap of (rank << 32 | position), smallest first.
        var heap: [UInt64] = []
        heap.reserveCapacity(symbols.count)
        func push(_ x: UInt64) {
            heap.append(x)
            var c = heap.count - 1
            while c > 0 {
                let p = (c - 1) / 2
                if heap[p] <= heap[c] { break }
                heap.swapAt(p, c); c = p
            }
        }
        func pop() -> UInt64 {
            let top = heap[0]
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                var p = 0
                let cnt = heap.count
                while true {
                    let l = 2 * p + 1, r = l + 1
                    var m = p
                    if l < cnt && heap[l] < heap[m] { m = l }
                    if r < cnt && heap[r] < heap[m] { m = r }
                    if m == p { break }
                    heap.swapAt(p, m); p = m
                }
            }
            return top
        }
        @inline(__always) func pairKey(_ a: Int, _ b: Int) -> UInt64 { UInt64(a) << 32 | UInt64(b) }
        for i in 0..<symbols.count - 1 {
            if let m = merges.find(pairKey(symbols[i].id, symbols[i + 1].id)) {
                push(UInt64(m.rank) << 32 | UInt64(i))
            }
        }
        while !heap.isEmpty {
            let top = pop()
            let pos = Int(top & 0xFFFF_FFFF)
            let rank = Int32(top >> 32)
            guard symbols[pos].alive else { continue }
            let nx = symbols[pos].next
            guard nx >= 0 else { continue }
            guard let m = merges.find(pairKey(symbols[pos].id, symbols[nx].id)), m.rank == rank else { continue }
            symbols[pos].id = Int(m.id)
            symbols[pos].end = symbols[nx].end
            symbols[nx].alive = false
            let nn = symbols[nx].next
            symbols[pos].next = nn
            if nn >= 0 { symbols[nn].prev = pos }
            let pv = symbols[pos].prev
            if pv >= 0, let pm = merges.find(pairKey(symbols[pv].id, symbols[pos].id)) {
                push(UInt64(pm.rank) << 32 | UInt64(pv))
            }
            if nn >= 0, let nm = merges.find(pairKey(symbols[pos].id, symbols[nn].id)) {
                push(UInt64(nm.rank) << 32 | UInt64(pos))
            }
        }
        var i = 0
        while i >= 0 && i < symbols.count {
            tokens.append(ModelToken(id: symbols[i].id, range: symbols[i].start..<symbols[i].end))
            i = symbols[i].next
        }
    }
}

/// (left id << 32 | right id) → (rank, merged id), open addressing with a multiplicative hash.
struct MergeTable: Sendable {
    private let keys: [UInt64]       // UInt64.max = empty
    private let values: [UInt64]     // rank << 32 | merged id
    private let shift: UInt64

    /// A pair given twice keeps its last entry, as HF's map does.
    init(_ entries: [(UInt64, rank: Int32, id: Int32)]) {
        var bits: UInt64 = 4
        while (1 << bits) < entries.count * 2 { bits += 1 }
        let capacity = 1 << Int(bits)
        var keys = [UInt64](repeating: .max, count: capacity)
        var values = [UInt64](repeating: 0, count: capacity)
        let shift = 64 - bits
        for e in entries {
            var s = Int((e.0 &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while keys[s] != .max && keys[s] != e.0 { s = (s + 1) & (capacity - 1) }
            keys[s] = e.0
            values[s] = UInt64(UInt32(bitPattern: e.rank)) << 32 | UInt64(UInt32(bitPattern: e.id))
        }
        self.keys = keys
        self.values = values
        self.shift = shift
    }

    @inline(__always)
    func find(_ key: UInt64) -> (rank: Int32, id: Int32)? {
        let mask = keys.count - 1
        var s = Int((key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let k = keys[s]
            if k == key {
                let v = values[s]
                return (Int32(bitPattern: UInt32(truncatingIfNeeded: v >> 32)), Int32(bitPattern: UInt32(truncatingIfNeeded: v)))
            }
            if k == .max { return nil }
            s = (s + 1) & mask
        }
    }
}
