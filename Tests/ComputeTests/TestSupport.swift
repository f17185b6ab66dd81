import EmbedKitCompute

/// Deterministic pseudo-random floats in [-1, 1) (SplitMix64), so failures reproduce.
struct Rand {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 23) - 1
    }
    mutating func array(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in next() * scale } }
}

/// Largest |a - b| / (atol + rtol·|b|) over the arrays; ≤ 1 means within tolerance.
func worstRatio(_ a: [Float], _ b: [Double], atol: Double, rtol: Double) -> Double {
    precondition(a.count == b.count)
    var worst = 0.0
    for i in a.indices {
        let r = abs(Double(a[i]) - b[i]) / (atol + rtol * abs(b[i]))
        if !(r <= worst) { worst = r.isNaN ? .infinity : r }
    }
    return worst
}

/// ‖y − exact‖ / ‖exact‖ (Frobenius): the relative error of a whole GEMM result.
func relativeError(_ y: [Float], _ exact: [Double]) -> Double {
    let scale = exact.map { $0 * $0 }.reduce(0, +).squareRoot()
    let err = zip(y, exact).map { (Double($0) - $1) * (Double($0) - $1) }.reduce(0, +).squareRoot()
    return err / scale
}

/// Float → IEEE binary16 bits, round to nearest even (finite, normal-range test values).
func halfBits(_ f: Float) -> UInt16 {
    let b = f.bitPattern
    let sign = UInt16((b >> 16) & 0x8000)
    let exp = Int((b >> 23) & 0xff) - 127 + 15
    if exp <= 0 { return sign }   // test values are never that small
    var mant = b & 0x7f_ffff
    var e = UInt32(exp)
    let round = mant & 0x1fff
    mant >>= 13
    if round > 0x1000 || (round == 0x1000 && mant & 1 == 1) {
        mant += 1
        if mant == 0x400 { mant = 0; e += 1 }
    }
    return sign | UInt16(e << 10) | UInt16(mant)
}

func bf16Bits(_ f: Float) -> UInt16 {
    let b = f.bitPattern
    let rounded = b &+ 0x7fff &+ ((b >> 16) & 1)
    return UInt16(rounded >> 16)
}

func bf16Value(_ h: UInt16) -> Float { Float(bitPattern: UInt32(h) << 16) }

let testBackends = ComputeBackend.supported
