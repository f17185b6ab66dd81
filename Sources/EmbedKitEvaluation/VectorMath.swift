/// Pairwise scores as mteb computes them, in double precision from float32 embeddings.
/// (mteb works in float32; the difference is ~1e-7 relative and does not change ranks except near-ties.)
public enum PairScore {
    /// Cosine similarity; a zero vector gives 0 (sklearn replaces zero norms by 1, torch clamps by 1e-12).
    public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices {
            let x = Double(a[i]), y = Double(b[i])
            ab += x * y; aa += x * x; bb += y * y
        }
        let n = aa.squareRoot() * bb.squareRoot()
        return n > 0 ? ab / n : 0
    }

    public static func dot(_ a: [Float], _ b: [Float]) -> Double {
        var s = 0.0
        for i in a.indices { s += Double(a[i]) * Double(b[i]) }
        return s
    }

    /// L1 distance Σ|a−b|.
    public static func manhattan(_ a: [Float], _ b: [Float]) -> Double {
        var s = 0.0
        for i in a.indices { s += abs(Double(a[i]) - Double(b[i])) }
        return s
    }

    /// L2 distance sqrt(Σ(a−b)²).
    public static func euclidean(_ a: [Float], _ b: [Float]) -> Double {
        var s = 0.0
        for i in a.indices { let d = Double(a[i]) - Double(b[i]); s += d * d }
        return s.squareRoot()
    }

    /// Unit-length float32 copy (zero vectors stay zero), like torch's `F.normalize`; float32 keeps
    /// large corpora in memory at half the size.
    static func normalized(_ a: [Float]) -> [Float] {
        let n = a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return a.map { n > 0 ? Float(Double($0) / n) : 0 }
    }
}
