import Foundation

/// HF `NFC`, `NFD`, `NFKC`, `NFKD`. The text is cut before scalars that cannot interact with what precedes
/// them (ccc 0, not a composition second), each chunk is normalized alone, and its output aligned to it.
struct UnicodeNormalizer: Normalizer {
    enum Form { case nfc, nfd, nfkc, nfkd }
    let form: Form

    /// Scalars that every form leaves unchanged (fast path).
    @inline(__always)
    private func isStable(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 { return true }
        if (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) { return true }
        if form == .nfc || form == .nfkc {
            if v >= 0xAC00 && v <= 0xD7A3 { return true }
        }
        if form == .nfc && v < 0x300 { return true }
        return false
    }

    /// True if a chunk may start at `c`.
    @inline(__always)
    private func startsChunk(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x300 { return true }
        if c.properties.canonicalCombiningClass.rawValue != 0 { return false }
        switch v {
        case 0x1161...0x11C2, 0x0F73, 0x0F75, 0x0F81: return false
        case 0x09BE, 0x09D7, 0x0B3E, 0x0B56, 0x0B57, 0x0BBE, 0x0BD7, 0x0C56, 0x0CC2, 0x0CD5, 0x0CD6,
             0x0D3E, 0x0D57, 0x0DCF, 0x0DDF, 0x102E, 0x1B35, 0x110A7, 0x11127, 0x1133E, 0x11357,
             0x114B0, 0x114BA, 0x114BD, 0x115AF, 0x11930, 0x3099, 0x309A: return false
        default: return true
        }
    }

    private func apply(_ s: String) -> String {
        switch form {
        case .nfc: return s.precomposedStringWithCanonicalMapping
        case .nfd: return s.decomposedStringWithCanonicalMapping
        case .nfkc: return s.precomposedStringWithCompatibilityMapping
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
