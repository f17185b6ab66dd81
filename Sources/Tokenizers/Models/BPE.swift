import Foundation

/// HF `BPE`: merges applied by rank (lowest first, leftmost on ties) with a heap; raw-Unicode or
/// byte-level vocabularies; unk / fuse_unk / byte_fallback / continuing_subword_prefix /
/// end_of_word_suffix / ignore_merges. `dropout` is ignored (inference).
final class BPE: TokenizerModel, @unchecked Sendable {
    let vocab: Vocabulary
    /// (left id << 32 | right id) → (rank, merged id)
    let merges: [UInt64: (rank: Int32, id: Int32)]
    let unkToken: String?
    let fuseUnk: Bool
    let byteFallback: Bool
    let continuingSubwordPrefix: String?
    let endOfWordSuffix: String?
    let ignoreMerges: Bool
    /// id of "<0xXX>" for each byte, if all present.
    let byteTokens: [Int?]
    /// id of each single scalar without prefix/suffix (fast path for word initialisation).
    let charIds: [UInt32: Int]

    private let cacheLock = NSLock()
    private var cache: [String: [ModelToken]] = [:]
    private static let cacheCapacity = 10_000

    init(_ j: JSONObject) throws {
        let v = try Vocabulary.parse(j["vocab"], j)
        vocab = Vocabulary(v)
        unkToken = try j.optionalString("unk_token")
        fuseUnk = try j.bool("fuse_unk", default: false)
        byteFallback = try j.bool("byte_fallback", default: false)
        continuingSubwordPrefix = try j.optionalString("continuing_subword_prefix")
        endOfWordSuffix = try j.optionalString("end_of_word_suffix")
        ignoreMerges = try j.bool("ignore_merges", default: false)
        let prefixLen = continuingSubwordPrefix?.unicodeScalars.count ?? 0
        var m: [UInt64: (rank: Int32, id: Int32)] = [:]
        let list = try j.array("merges") ?? []
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
            guard let ia = v[a], let ib = v[b] else { throw j.fail("merge \(rank) uses a token missing from the vocabulary") }
            let merged = a + String(String.UnicodeScalarView(b.unicodeScalars.dropFirst(prefixLen)))
            guard let im = v[merged] else { throw j.fail("merge \(rank) result '\(merged)' is missing from the vocabulary") }
            let key = UInt64(ia) << 32 | UInt64(ib)
            m[key] = (Int32(rank), Int32(im))
        }
        merges = m
        var bt: [Int?] = []
        for b in 0..<256 { bt.append(v[String(format: "<0x%02X>", b)]) }
        byteTokens = bt
        var ci: [UInt32: Int] = [:]
        for (t, i) in v {
            let u = t.unicodeScalars
            if u.count == 1 { ci[u.first!.value] = i }
        }
        charIds = ci
        if let u = unkToken, v[u] == nil, !byteFallback {
            // HF fails at encode time only when an unknown character is met; keep loading.
        }
    }

    func tokenToId(_ token: String) -> Int? { vocab.tokenToId[token] }
    func idToToken(_ id: Int) -> String? { vocab.idToToken[id] }
    var vocabularySize: Int { vocab.tokenToId.count }

    private struct Symbol {
        var id: Int
        var start: Int   // word scalar index
        var end: Int
        var prev: Int
        var next: Int
        var alive: Bool
    }

    func tokenize(_ word: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        if word.isEmpty { return }
        let useCache = word.count < 64
        var key = ""
        if useCache {
            key = word.string
            cacheLock.lock()
            let hit = cache[key]
            cacheLock.unlock()
            if let hit { tokens.append(contentsOf: hit); return }
        }
        let mark = tokens.count
        compute(word, into: &tokens)
        if useCache {
            let result = Array(tokens[mark...])
            cacheLock.lock()
            if cache.count >= BPE.cacheCapacity { cache.removeAll(keepingCapacity: true) }
            cache[key] = result
            cacheLock.unlock()
        }
    }

    private func compute(_ word: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        if ignoreMerges, let id = vocab.tokenToId[word.string] {
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
                id = charIds[word[i].value]
            } else {
                var s = String()
                if i > 0, let p = continuingSubwordPrefix { s += p }
                s.unicodeScalars.append(word[i])
                if i == n - 1, let suf = endOfWordSuffix { s += suf }
                id = vocab.tokenToId[s]
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
            if let ut = unkToken, let uid = vocab.tokenToId[ut] {
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
            if let m = merges[pairKey(symbols[i].id, symbols[i + 1].id)] {
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
            guard let m = merges[pairKey(symbols[pos].id, symbols[nx].id)], m.rank == rank else { continue }
            symbols[pos].id = Int(m.id)
            symbols[pos].end = symbols[nx].end
            symbols[nx].alive = false
            let nn = symbols[nx].next
            symbols[pos].next = nn
            if nn >= 0 { symbols[nn].prev = pos }
            let pv = symbols[pos].prev
            if pv >= 0, let pm = merges[pairKey(symbols[pv].id, symbols[pos].id)] {
                push(UInt64(pm.rank) << 32 | UInt64(pv))
            }
            if nn >= 0, let nm = merges[pairKey(symbols[pos].id, symbols[nn].id)] {
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
