import Foundation

/// scikit-learn 1.3 `LogisticRegression()` defaults as mteb 1.1.1 uses them: L2 penalty with C = 1,
/// intercept not penalised, lbfgs with max_iter 100 and tol 1e-4. Objective Σ loss_i + ‖W‖²/(2C);
/// two classes → one binomial logit, more → multinomial softmax. Classes are the sorted distinct labels.
public struct LogisticRegression {
    public var c: Double = 1
    public var maxIterations = 100
    public var tolerance = 1e-4

    public private(set) var classes: [Int] = []
    /// weights[k] (dimension d) and intercepts[k]; one row for two classes.
    public private(set) var weights: [[Double]] = []
    public private(set) var intercepts: [Double] = []
    public private(set) var iterations = 0

    public init(c: Double = 1, maxIterations: Int = 100, tolerance: Double = 1e-4) {
        self.c = c
        self.maxIterations = maxIterations
        self.tolerance = tolerance
    }

    public mutating func fit(_ x: [[Float]], _ y: [Int]) throws {
        guard !x.isEmpty, x.count == y.count else {
            throw EvaluationError.insufficientData("logistic regression: need as many labels as training vectors (got \(x.count) and \(y.count))")
        }
        classes = Array(Set(y)).sorted()
        guard classes.count >= 2 else {
            throw EvaluationError.insufficientData("logistic regression: the training set has only one class (\(classes.first ?? 0))")
        }
        let xd = x.map { $0.map(Double.init) }
        let d = xd[0].count
        let yIndex = y.map { classes.firstIndex(of: $0)! }
        let rows = classes.count == 2 ? 1 : classes.count
        let stride = d + 1
        let invC = 1 / c
        let n = xd.count

        // Parameter layout: rows × (d weights + 1 intercept).
        let fg: ([Double]) -> (Double, [Double]) = { w in
            var f = 0.0
            var g = [Double](repeating: 0, count: w.count)
            var z = [Double](repeating: 0, count: rows)
            for i in 0..<n {
                let xi = xd[i]
                for r in 0..<rows {
                    var s = w[r * stride + d]
                    let base = r * stride
                    for k in 0..<d { s += w[base + k] * xi[k] }
                    z[r] = s
                }
                var residual = [Double](repeating: 0, count: rows)
                if rows == 1 {
                    let t = yIndex[i] == 1 ? 1.0 : 0.0
                    let zi = z[0]
                    // log(1 + e^z) − t·z, computed stably
                    f += (zi > 0 ? zi + log1p(exp(-zi)) : log1p(exp(zi))) - t * zi
                    let p = zi >= 0 ? 1 / (1 + exp(-zi)) : exp(zi) / (1 + exp(zi))
                    residual[0] = p - t
                } else {
                    let m = z.max()!
                    var sum = 0.0
                    for r in 0..<rows { sum += exp(z[r] - m) }
                    let lse = m + log(sum)
                    f += lse - z[yIndex[i]]
                    for r in 0..<rows { residual[r] = exp(z[r] - lse) - (r == yIndex[i] ? 1 : 0) }
                }
                for r in 0..<rows {
                    let base = r * stride
                    let e = residual[r]
                    for k in 0..<d { g[base + k] += e * xi[k] }
                    g[base + d] += e
                }
            }
            for r in 0..<rows {
                let base = r * stride
                for k in 0..<d {
                    f += 0.5 * invC * w[base + k] * w[base + k]
                    g[base + k] += invC * w[base + k]
                }
            }
            return (f, g)
        }
        var solver = LBFGS()
        solver.maxIterations = maxIterations
        solver.pgtol = tolerance
        let result = solver.minimize([Double](repeating: 0, count: rows * stride), fg)
        iterations = result.iterations
        weights = (0..<rows).map { Array(result.x[($0 * stride)..<($0 * stride + d)]) }
        intercepts = (0..<rows).map { result.x[$0 * stride + d] }
    }

    /// Decision values X·Wᵀ + b.
    public func decisionFunction(_ x: [Float]) -> [Double] {
        (0..<weights.count).map { r in
            var s = intercepts[r]
            for k in x.indices { s += weights[r][k] * Double(x[k]) }
            return s
        }
    }

    /// Predicted labels: binary → class 1 iff z > 0; otherwise the first maximum.
    public func predict(_ x: [[Float]]) -> [Int] {
        x.map { v in
            let z = decisionFunction(v)
            if z.count == 1 { return classes[z[0] > 0 ? 1 : 0] }
            var best = 0
            for r in 1..<z.count where z[r] > z[best] { best = r }
            return classes[best]
        }
    }
}
