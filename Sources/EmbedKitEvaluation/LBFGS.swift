/// Unconstrained L-BFGS as scipy's L-BFGS-B (v3.0) runs it without bounds: memory 10, first step
/// 1/‖d‖ along −g, then the quasi-Newton step −H·g (θ = yᵀy/sᵀy scaling) with unit initial step,
/// Moré–Thuente line search (ftol 1e-3, gtol 0.9, xtol 0.1, at most 20 evaluations),
/// correction pairs skipped when sᵀy ≤ ε·yᵀy. Stops when max|g| ≤ pgtol, when the relative decrease
/// of f is ≤ ftol, or after `maxIterations` iterations.
package struct LBFGS {
    package var memory = 10
    package var maxIterations = 100
    package var pgtol = 1e-4
    package var ftol = 2.220446049250313e-09
    package var maxLineSearch = 20
    package var maxEvaluations = 15000

    package struct Result {
        package var x: [Double]
        package var f: Double
        package var iterations: Int
        package var converged: Bool
    }

    package init() {}

    /// Minimises `fg(x) → (f, ∇f)` from `x0`.
    package func minimize(_ x0: [Double], _ fg: ([Double]) -> (Double, [Double])) -> Result {
        let n = x0.count
        var x = x0
        var (f, g) = fg(x)
        var evaluations = 1
        var sList: [[Double]] = [], yList: [[Double]] = [], rhoList: [Double] = []
        var iterations = 0
        if maxAbs(g) <= pgtol { return Result(x: x, f: f, iterations: 0, converged: true) }
        while true {
            // Search direction.
            var d: [Double]
            if sList.isEmpty {
                d = g.map { -$0 }
            } else {
                var q = g
                var alpha = [Double](repeating: 0, count: sList.count)
                for i in stride(from: sList.count - 1, through: 0, by: -1) {
                    alpha[i] = rhoList[i] * dot(sList[i], q)
                    for k in 0..<n { q[k] -= alpha[i] * yList[i][k] }
                }
                let yl = yList[yList.count - 1], sl = sList[sList.count - 1]
                let gamma = dot(sl, yl) / dot(yl, yl)
                for k in 0..<n { q[k] *= gamma }
                for i in 0..<sList.count {
                    let beta = rhoList[i] * dot(yList[i], q)
                    for k in 0..<n { q[k] += sList[i][k] * (alpha[i] - beta) }
                }
                d = q.map { -$0 }
            }
            var gd = dot(g, d)
            if gd >= 0 {
                // Not a descent direction: restart from steepest descent (L-BFGS-B resets its memory).
                if sList.isEmpty { return Result(x: x, f: f, iterations: iterations, converged: false) }
                sList.removeAll(); yList.removeAll(); rhoList.removeAll()
                continue
            }
            let dnorm = dot(d, d).squareRoot()
            let stp0 = iterations == 0 && sList.isEmpty ? min(1 / dnorm, 1e10) : 1.0
            var search = MoreThuenteSearch(stp: stp0, f: f, g: gd)
            let xOld = x, fOld = f, gOld = g
            var accepted = false
            for _ in 0..<maxLineSearch {
                let t = search.stp
                let xt = (0..<n).map { xOld[$0] + t * d[$0] }
                let (ft, gt) = fg(xt)
                evaluations += 1
                x = xt; f = ft; g = gt
                gd = dot(g, d)
                let status = search.next(f: ft, g: gd)
                if status == .converged || status == .warning { accepted = true; break }
                if evaluations >= maxEvaluations { break }
            }
            if !accepted {
                x = xOld; f = fOld; g = gOld
                if sList.isEmpty { return Result(x: x, f: f, iterations: iterations, converged: false) }
                sList.removeAll(); yList.removeAll(); rhoList.removeAll()
                continue
            }
            iterations += 1
            let s = (0..<n).map { x[$0] - xOld[$0] }
            let y = (0..<n).map { g[$0] - gOld[$0] }
            let sy = dot(s, y), yy = dot(y, y)
            if sy > 2.220446049250313e-16 * yy {
                if sList.count == memory { sList.removeFirst(); yList.removeFirst(); rhoList.removeFirst() }
                sList.append(s); yList.append(y); rhoList.append(1 / sy)
            }
            if iterations >= maxIterations { return Result(x: x, f: f, iterations: iterations, converged: false) }
            if maxAbs(g) <= pgtol { return Result(x: x, f: f, iterations: iterations, converged: true) }
            if fOld - f <= ftol * max(abs(fOld), abs(f), 1) { return Result(x: x, f: f, iterations: iterations, converged: true) }
            if evaluations >= maxEvaluations { return Result(x: x, f: f, iterations: iterations, converged: false) }
        }
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    private func maxAbs(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }
}
