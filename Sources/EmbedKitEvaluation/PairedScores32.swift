/// The float32 pair scores of sklearn's `paired_*_distances` and `np.dot`, which mteb 1.1.1's STS and
/// pair-classification evaluators use. Each float32 operation is rounded as numpy rounds it; sums are
/// accumulated in double and rounded once (numpy's float32 summation order can differ by an ulp).
/// Values are returned as Double holding a float32 value, like Python floats made from float32 numbers.
public enum PairedScores32 {
    static func sumSquares(_ a: [Float]) -> Float {
        Float(a.reduce(0.0) { $0 + Double($1) * Double($1) })
    }

    /// sklearn: `1 − 0.5·‖x/‖x‖ − y/‖y‖‖²` in float32 (a zero norm is replaced by 1).
    public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var na = sumSquares(a).squareRoot(), nb = sumSquares(b).squareRoot()
        if na == 0 { na = 1 }
        if nb == 0 { nb = 1 }
        var s = 0.0
        for i in a.indices {
            let d = a[i] / na - b[i] / nb
            s += Double(d) * Double(d)
        }
        return Double(Float(1) - Float(0.5) * Float(s))
    }

    public static func manhattan(_ a: [Float], _ b: [Float]) -> Double {
        var s = 0.0
        for i in a.indices { s += Double(abs(a[i] - b[i])) }
        return Double(Float(s))
    }

    public static func euclidean(_ a: [Float], _ b: [Float]) -> Double {
        var s = 0.0
        for i in a.indices { let d = a[i] - b[i]; s += Double(d) * Double(d) }
        return Double(Float(s).squareRoot())
    }

    public static func dot(_ a: [Float], _ b: [Float]) -> Double {
        var s = 0.0
        for i in a.indices { s += Double(a[i]) * Double(b[i]) }
        return Double(Float(s))
    }
}
