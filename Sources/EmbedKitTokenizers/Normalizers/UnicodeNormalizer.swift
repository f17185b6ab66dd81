import Foundation

/// HF `NFC`, `NFD`, `NFKC`, `NFKD`. The text is cut before scalars that cannot interact with what precedes
/// them (ccc 0, not a composition second), each chunk is normalized alone, and its output aligned to it.
struct UnicodeNormalizer: Normalizer {
    enum Form { case nfc, nfd, nfkc, nfkd }
    let form: Form

    /// Scalars this form leaves unchanged whatever surrounds them (fast path).
    @inline(__always)
    private func isStable(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 { return true }
        if (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) { return true }
        return UnicodeNormalizer.contains(tables.stable, v)
    }

    /// This form's generated tables: scalars it leaves alone, scalars a chunk cannot start at.
    private var tables: (stable: [UInt32], joinsPrevious: [UInt32]) {
        switch form {
        case .nfc: return (NormalizationStableRanges.nfc, NormalizationStableRanges.nfcJoinsPrevious)
        case .nfd: return (NormalizationStableRanges.nfd, NormalizationStableRanges.nfdJoinsPrevious)
        case .nfkc: return (NormalizationStableRanges.nfkc, NormalizationStableRanges.nfkcJoinsPrevious)
        case .nfkd: return (NormalizationStableRanges.nfkd, NormalizationStableRanges.nfkdJoinsPrevious)
        }
    }

    /// Binary search in sorted inclusive (first, last) pairs.
    private static func contains(_ ranges: [UInt32], _ v: UInt32) -> Bool {
        var lo = 0, hi = ranges.count / 2
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[2 * mid + 1] < v { lo = mid + 1 } else { hi = mid }
        }
        return lo < ranges.count / 2 && ranges[2 * lo] <= v
    }

    /// True if a chunk may start at `c`: nothing before it can reorder or compose with it.
    @inline(__always)
    private func startsChunk(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x300 || CharacterClasses.isPlainIdeograph(v) { return true }
        if UnicodeNormalizer.contains(tables.joinsPrevious, v) { return false }
        // Marks newer than the generated table.
        return c.properties.canonicalCombiningClass.rawValue == 0
    }

    private func apply(_ s: String) -> String {
        switch form {
        case .nfc: return s.precomposedStringWithCanonicalMapping
        case .nfd: return s.decomposedStringWithCanonicalMapping
        // NFC of NFKD: Foundation's own NFKC (swift-corelibs) skips composing what a compatibility
        // mapping produced (U+FF76 U+FF9E stays two scalars instead of U+30AC).
        case .nfkc: return s.decomposedStringWithCompatibilityMapping.precomposedStringWithCanonicalMapping
        case .nfkd: return s.decomposedStringWithCompatibilityMapping
        }
    }

    func normalize(_ s: inout NormalizedString) {
        var allStable = true
        for c in s.chars where !isStable(c) { allStable = false; break }
        if allStable { return }
        var nc: [Unicode.Scalar] = [], ns: [Int] = [], ne: [Int] = []
        nc.reserveCapacity(s.chars.count)
        ns.reserveCapacity(s.chars.count)
        ne.reserveCapacity(s.chars.count)
        let n = s.chars.count
        var i = 0
        while i < n {
            var j = i + 1
            while j < n && !startsChunk(s.chars[j]) { j += 1 }
            if j == i + 1 && isStable(s.chars[i]) {
                nc.append(s.chars[i]); ns.append(s.starts[i]); ne.append(s.ends[i])
            } else {
                let chunk = Array(s.chars[i..<j])
                let out = apply(chunk.string).scalars
                if out == chunk {
                    nc.append(contentsOf: chunk)
                    ns.append(contentsOf: s.starts[i..<j]); ne.append(contentsOf: s.ends[i..<j])
                } else {
                    let a = s.starts[i], b = s.ends[j - 1]
                    for c in out { nc.append(c); ns.append(a); ne.append(b) }
                }
            }
            i = j
        }
        s.chars = nc; s.starts = ns; s.ends = ne
    }
}
