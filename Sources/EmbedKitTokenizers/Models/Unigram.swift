import Foundation

/// HF `Unigram` (SentencePiece): Viterbi over the piece scores; unknown spans get
/// `min score - 10`, consecutive unknowns are fused; optional byte fallback.
struct Unigram: TokenizerModel {
    let vocab: Vocabulary
    let scores: [Double]
    let unkId: Int?
    let byteFallback: Bool
    let minScore: Double
    let byteTokens: [Int?]

    init(_ j: JSONObject) throws {
        guard let list = try j.array("vocab") else { throw j.fail("missing 'vocab'") }
        var v: [String: Int] = [:]
        var s: [Double] = []
        v.reserveCapacity(list.count)
        s.reserveCapacity(list.count)
        for (i, item) in list.enumerated() {
            guard let pair = item as? [Any], pair.count == 2, let piece = pair[0] as? String,
                  let score = (pair[1] as? NSNumber)?.doubleValue else {
                throw j.fail("vocab entry \(i) must be [piece, score]")
            }
            if v[piece] == nil { v[piece] = i }
            s.append(score)
        }
        vocab = Vocabulary(v)
        scores = s
        if let u = try j.int("unk_id") {
            guard u >= 0 && u < list.count else { throw j.fail("unk_id \(u) is out of the vocabulary") }
            unkId = u
        } else {
            unkId = nil
        }
        byteFallback = try j.bool("byte_fallback", default: false)
        minScore = s.min() ?? 0
        var bt: [Int?] = []
        for b in 0..<256 { bt.append(v[String(format: "<0x%02X>", b)]) }
        byteTokens = bt
    }

    func tokenToId(_ token: String) -> Int? { vocab.id(token) }
    func idToToken(_ id: Int) -> String? { vocab.token(id) }
    var vocabularySize: Int { scores.count }

    func tokenize(_ word: UnsafeBufferPointer<Unicode.Scalar>, into tokens: inout [ModelToken]) {
        let n = word.count
        if n == 0 { return }
        let unkScore = minScore - 10.0
        var best = [Double](repeating: 0, count: n + 1)
        var from = [Int](repeating: -1, count: n + 1)
        var bestId = [Int](repeating: -1, count: n + 1)
        let maxLen = vocab.maxTokenLength
        for start in 0..<n {
            if start > 0 && from[start] < 0 { continue }
            let base = best[start]
            var hasSingle = false
            var end = start + 1
            while end <= n && end - start <= maxLen {
                if let id = vocab.id(UnsafeBufferPointer(rebasing: word[start..<end])) {
                    let cand = base + scores[id]
                    if from[end] < 0 || cand > best[end] {
                        best[end] = cand; from[end] = start; bestId[end] = id
                    }
                    if end == start + 1 { hasSingle = true }
                }
                end += 1
            }
            if !hasSingle {
                let cand = base + unkScore
                if from[start + 1] < 0 || cand > best[start + 1] {
                    best[start + 1] = cand; from[start + 1] = start; bestId[start + 1] = -2
                }
            }
        }
        // Backtrack.
        var pieces: [(id: Int, range: Range<Int>)] = []
        var e = n
        while e > 0 {
            let s = from[e]
            if s < 0 { break }
            pieces.append((bestId[e], s..<e))
            e = s
        }
        pieces.reverse()
        // Fuse consecutive unknowns.
        var fused: [(id: Int, range: Range<Int>)] = []
        for p in pieces {
            if p.id == -2, let last = fused.last, last.id == -2 {
                fused[fused.count - 1].range = last.range.lowerBound..<p.range.upperBound
            } else {
                fused.append(p)
            }
        }
        for p in fused {
            if p.id >= 0 { tokens.append(ModelToken(id: p.id, range: p.range)); continue }
            let text = Array(word[p.range]).string
            if let id = vocab.id(UnsafeBufferPointer(rebasing: word[p.range])) { tokens.append(ModelToken(id: id, range: p.range)); continue }
            if byteFallback {
                let ids = text.utf8.map { byteTokens[Int($0)] }
                if ids.allSatisfy({ $0 != nil }) {
                    for b in ids { tokens.append(ModelToken(id: b!, range: p.range)) }
                    continue
                }
            }
            if let u = unkId { tokens.append(ModelToken(id: u, range: p.range)) }
        }
    }
}
