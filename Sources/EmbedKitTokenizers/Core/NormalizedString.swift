import Foundation

/// A piece of text being normalized, as HF `tokenizers`' `NormalizedString`: the current Unicode
/// scalars plus, for each one, the range of original-text scalars it came from.
struct NormalizedString {
    var chars: [Unicode.Scalar]
    /// Original start / end (scalar indices into the original text) of each current scalar.
    var starts: [Int]
    var ends: [Int]
    /// The original range this piece covers (used when it becomes empty or for prepends).
    var originalStart: Int
    var originalEnd: Int

    init(original: [Unicode.Scalar], offset: Int = 0) {
        chars = original
        starts = Array(offset..<offset + original.count)
        ends = Array(offset + 1..<offset + original.count + 1)
        originalStart = offset
        originalEnd = offset + original.count
    }

    init(chars: [Unicode.Scalar], starts: [Int], ends: [Int], originalStart: Int, originalEnd: Int) {
        self.chars = chars
        self.starts = starts
        self.ends = ends
        self.originalStart = originalStart
        self.originalEnd = originalEnd
    }

    var isEmpty: Bool { chars.isEmpty }
    var count: Int { chars.count }

    var string: String {
        var s = String()
        s.unicodeScalars.append(contentsOf: chars)
        return s
    }

    /// The sub-piece of current scalars `range`.
    func slice(_ range: Range<Int>) -> NormalizedString {
        let os = range.isEmpty ? (range.lowerBound < starts.count ? starts[range.lowerBound] : originalEnd) : starts[range.lowerBound]
        let oe = range.isEmpty ? os : ends[range.upperBound - 1]
        return NormalizedString(chars: Array(chars[range]), starts: Array(starts[range]), ends: Array(ends[range]),
                                originalStart: os, originalEnd: oe)
    }

    /// Original offsets of the current scalars `range`.
    func originalRange(_ range: Range<Int>) -> Range<Int> {
        if range.isEmpty {
            let p = range.lowerBound < starts.count ? starts[range.lowerBound] : originalEnd
            return p..<p
        }
        return starts[range.lowerBound]..<max(starts[range.lowerBound], ends[range.upperBound - 1])
    }

    /// Replaces each scalar by zero or more scalars, all aligned to the original scalar's range.
    mutating func flatMap(_ body: (Unicode.Scalar, inout [Unicode.Scalar]) -> Void) {
        var nc: [Unicode.Scalar] = []
        var ns: [Int] = []
        var ne: [Int] = []
        nc.reserveCapacity(chars.count)
        ns.reserveCapacity(chars.count)
        ne.reserveCapacity(chars.count)
        var buffer: [Unicode.Scalar] = []
        for i in 0..<chars.count {
            buffer.removeAll(keepingCapacity: true)
            body(chars[i], &buffer)
            for c in buffer {
                nc.append(c); ns.append(starts[i]); ne.append(ends[i])
            }
        }
        chars = nc; starts = ns; ends = ne
    }

    /// Maps each scalar to exactly one scalar.
    mutating func map(_ body: (Unicode.Scalar) -> Unicode.Scalar) {
        for i in 0..<chars.count { chars[i] = body(chars[i]) }
    }

    /// Keeps the scalars for which `keep` is true.
    mutating func filter(_ keep: (Unicode.Scalar) -> Bool) {
        var w = 0
        for i in 0..<chars.count where keep(chars[i]) {
            chars[w] = chars[i]; starts[w] = starts[i]; ends[w] = ends[i]; w += 1
        }
        chars.removeSubrange(w...); starts.removeSubrange(w...); ends.removeSubrange(w...)
    }

    /// Inserts `s` in front, aligned to the first scalar (as HF does).
    mutating func prepend(_ s: [Unicode.Scalar]) {
        guard !s.isEmpty else { return }
        let a = starts.first ?? originalStart
        let b = ends.first ?? originalEnd
        chars.insert(contentsOf: s, at: 0)
        starts.insert(contentsOf: Array(repeating: a, count: s.count), at: 0)
        ends.insert(contentsOf: Array(repeating: b, count: s.count), at: 0)
    }

    /// Appends `s`, aligned to the last scalar.
    mutating func append(_ s: [Unicode.Scalar]) {
        guard !s.isEmpty else { return }
        let a = starts.last ?? originalStart
        let b = ends.last ?? originalEnd
        chars.append(contentsOf: s)
        starts.append(contentsOf: Array(repeating: a, count: s.count))
        ends.append(contentsOf: Array(repeating: b, count: s.count))
    }

    /// Replaces the scalars in `ranges` (sorted, non-overlapping) by `content`, aligned to the replaced range.
    mutating func replace(ranges: [Range<Int>], with content: [Unicode.Scalar]) {
        guard !ranges.isEmpty else { return }
        var nc: [Unicode.Scalar] = [], ns: [Int] = [], ne: [Int] = []
        var pos = 0
        for r in ranges {
            nc.append(contentsOf: chars[pos..<r.lowerBound])
            ns.append(contentsOf: starts[pos..<r.lowerBound])
            ne.append(contentsOf: ends[pos..<r.lowerBound])
            let o = originalRange(r)
            for c in content { nc.append(c); ns.append(o.lowerBound); ne.append(o.upperBound) }
            pos = r.upperBound
        }
        nc.append(contentsOf: chars[pos...]); ns.append(contentsOf: starts[pos...]); ne.append(contentsOf: ends[pos...])
        chars = nc; starts = ns; ends = ne
    }
}
