import EmbedKitFormats
import Testing

/// `HalfFloat.widen` against the binary16 definition, for all 65,536 bit patterns.
@Suite struct HalfFloatTests {
    /// (−1)^s · 2^(e−15) · (1 + m/1024), subnormals 2^−14 · m/1024, e = 31: ∞ or NaN.
    static func definition(_ h: UInt16) -> Float {
        let sign: Float = h & 0x8000 != 0 ? -1 : 1
        let e = Int((h >> 10) & 0x1f), m = Float(h & 0x3ff)
        if e == 31 { return m == 0 ? sign * .infinity : .nan }
        if e == 0 { return sign * Float(sign: .plus, exponent: -14, significand: m / 1024) }
        return sign * Float(sign: .plus, exponent: e - 15, significand: 1 + m / 1024)
    }

    @Test func everyBitPatternWidensExactly() {
        var mismatches = 0
        for bits in 0...UInt16.max {
            let got = HalfFloat.widen(bits), want = Self.definition(bits)
            if want.isNaN {
                if !got.isNaN { mismatches += 1 }
            } else if got.bitPattern != want.bitPattern {   // −0 keeps its sign
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
        #expect(HalfFloat.widen(0x3c00) == 1 && HalfFloat.widen(0xc000) == -2 && HalfFloat.widen(0x0001) == 0x1p-24)
        #expect(HalfFloat.widen(0x7bff) == 65504 && HalfFloat.widen(0xfc00) == -.infinity)
        #expect(HalfFloat.widen(0x8000).bitPattern == 0x8000_0000)
        #if os(Linux) || arch(arm64)
        for bits in 0...UInt16.max where !Float16(bitPattern: bits).isNaN {
            if HalfFloat.widen(bits) != Float(Float16(bitPattern: bits)) { mismatches += 1 }
        }
        #expect(mismatches == 0, "differs from the standard library's conversion")
        #endif
    }
}
