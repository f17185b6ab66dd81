/// numpy's legacy `RandomState(seed)` (MT19937 seeded with `init_genrand`) and the legacy algorithms
/// mteb 1.1.1 and scikit-learn 1.3 draw from it: `shuffle`, `permutation`, `randint`, `random_sample`,
/// `uniform`, `choice`. Same seed, same calls → the same numbers as numpy.
public struct NumpyRandomState: Sendable {
    private var mt = [UInt32](repeating: 0, count: 624)
    private var index = 624

    public init(seed: UInt32) {
        mt[0] = seed
        for i in 1..<624 {
            mt[i] = 1_812_433_253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    /// One raw tempered MT19937 output (`randint(0, 2**32, dtype=uint64)`).
    public mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = mt[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (mt[i] & 0x8000_0000) | (mt[(i + 1) % 624] & 0x7FFF_FFFF)
            var v = mt[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_B0DF }
            mt[i] = v
        }
        index = 0
    }

    /// Uniform integer in [0, max] by masked rejection (numpy `random_interval`, max < 2³²).
    public mutating func randomInterval(_ max: UInt32) -> UInt32 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16
        while true {
            let v = nextUInt32() & mask
            if v <= max { return v }
        }
    }

    /// `randint(low, high)`: one integer in [low, high).
    public mutating func randint(_ low: Int, _ high: Int) -> Int {
        precondition(high > low && high - low <= 1 << 32, "randint range")
        return low + Int(randomInterval(UInt32(high - 1 - low)))
    }

    /// `randint(low, high, size)`.
    public mutating func randint(_ low: Int, _ high: Int, count: Int) -> [Int] {
        (0..<count).map { _ in randint(low, high) }
    }

    /// `random_sample()`: a 53-bit double in [0, 1) from two draws.
    public mutating func randomSample() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `uniform(size=count)` on [0, 1).
    public mutating func uniform(count: Int) -> [Double] {
        (0..<count).map { _ in randomSample() }
    }

    /// Legacy in-place `shuffle`: for i = n−1 … 1, swap x[i] with x[random_interval(i)].
    public mutating func shuffle<T>(_ x: inout [T]) {
        var i = x.count - 1
        while i > 0 {
            let j = Int(randomInterval(UInt32(i)))
            x.swapAt(i, j)
            i -= 1
        }
    }

    /// `permutation(n)`: a shuffled `arange(n)`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var a = Array(0..<n)
        shuffle(&a)
        return a
    }

    /// `choice(n, size=count, replace=False)` without probabilities: `permutation(n)[:count]`.
    public mutating func choiceWithoutReplacement(_ n: Int, count: Int) -> [Int] {
        Array(permutation(n).prefix(count))
    }

    /// `choice(n, p=p)`: cumulative sum normalised by its last value, then
    /// `searchsorted(cdf, random_sample(), side="right")`.
    public mutating func choice(probabilities p: [Double]) -> Int {
        var cdf = [Double](repeating: 0, count: p.count)
        var s = 0.0
        for i in p.indices { s += p[i]; cdf[i] = s }
        let last = cdf[cdf.count - 1]
        for i in cdf.indices { cdf[i] /= last }
        let u = randomSample()
        return searchSortedRight(cdf, u)
    }
}

/// `np.searchsorted(a, v, side="left")`: first index with a[i] >= v.
func searchSortedLeft(_ a: [Double], _ v: Double) -> Int {
    var lo = 0, hi = a.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if a[mid] < v { lo = mid + 1 } else { hi = mid }
    }
    return lo
}

/// `np.searchsorted(a, v, side="right")`: first index with a[i] > v.
func searchSortedRight(_ a: [Double], _ v: Double) -> Int {
    var lo = 0, hi = a.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if a[mid] <= v { lo = mid + 1 } else { hi = mid }
    }
    return lo
}
