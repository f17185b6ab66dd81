/// sentence-transformers' Normalize module: x / max(‖x‖₂, 1e-12).
public enum Normalize {
    public static func apply(_ v: inout [Float]) {
        var s: Float = 0
        for x in v { s += x * x }
        let n = Swift.max(s.squareRoot(), 1e-12)
        for i in v.indices { v[i] /= n }
    }
}
