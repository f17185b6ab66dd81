import Foundation

/// `scipy.stats.spearmanr(x, y).pvalue` (two-sided) for `n` pairs with correlation `rho`: Student's t
/// with n − 2 degrees of freedom, t = ρ·√((n−2)/((ρ+1)(1−ρ))).
public func spearmanPValue(_ rho: Double, n: Int) -> Double {
    let df = Double(n - 2)
    guard df > 0, rho.isFinite else { return .nan }
    if abs(rho) >= 1 { return 0 }
    let t = rho * (df / ((rho + 1) * (1 - rho))).squareRoot()
    // 2·P(T > |t|) = I_{df/(df+t²)}(df/2, 1/2).
    return regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
}

/// `scipy.stats.pearsonr(x, y).pvalue` (two-sided) for `n` pairs with correlation `r`: r follows a
/// Beta(n/2 − 1, n/2 − 1) on [−1, 1] under independence, p = 2·I_{(1−|r|)/2}(n/2 − 1, n/2 − 1).
public func pearsonPValue(_ r: Double, n: Int) -> Double {
    let a = Double(n) / 2 - 1
    guard a > 0, r.isFinite else { return .nan }
    return min(1, 2 * regularizedIncompleteBeta((1 - abs(r)) / 2, a: a, b: a))
}

/// The regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1]: the continued fraction
/// of the beta function (evaluated with Lentz's method), on whichever side of the mean converges fast.
public func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
    if x < (a + 1) / (a + b + 2) {
        return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
    }
    return 1 - exp(logFront) * betaContinuedFraction(1 - x, a: b, b: a) / b
}

/// The continued fraction 1/(1+ d1/(1+ d2/(1+ …))) of I_x(a, b), with d_{2m+1} = −(a+m)(a+b+m)x/((a+2m)(a+2m+1))
/// and d_{2m} = m(b−m)x/((a+2m−1)(a+2m)).
private func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
    let tiny = 1e-300
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var value = d
    for m in 1...500 {
        let m = Double(m)
        for coefficient in [m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))] {
            d = 1 + coefficient * d
            if abs(d) < tiny { d = tiny }
            c = 1 + coefficient / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            value *= d * c
        }
        if abs(d * c - 1) < 1e-15 { break }
    }
    return value
}
