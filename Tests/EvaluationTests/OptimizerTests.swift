import Testing
import EmbedKitEvaluation

/// The L-BFGS solver behind logistic regression, on problems with known minima.
@Suite struct OptimizerTests {
    @Test func rosenbrock() {
        var solver = LBFGS()
        solver.maxIterations = 200
        solver.pgtol = 1e-8
        let r = solver.minimize([-1.2, 1]) { x in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            return (a * a + 100 * b * b, [-2 * a - 400 * x[0] * b, 200 * b])
        }
        #expect(abs(r.x[0] - 1) < 1e-5 && abs(r.x[1] - 1) < 1e-5, "got \(r.x) after \(r.iterations) iterations")
    }

    @Test func quadraticStopsOnGradientTolerance() {
        // f = Σ (i+1)(x_i − i)²: minimum at x_i = i.
        let r = LBFGS().minimize([Double](repeating: 0, count: 5)) { x in
            var f = 0.0, g = [Double](repeating: 0, count: 5)
            for i in 0..<5 { let d = x[i] - Double(i); f += Double(i + 1) * d * d; g[i] = 2 * Double(i + 1) * d }
            return (f, g)
        }
        #expect(r.converged)
        for i in 0..<5 { #expect(abs(r.x[i] - Double(i)) < 1e-4) }
    }

    @Test func kMeansNeedsEnoughPoints() {
        var km = MiniBatchKMeans(clusters: 3)
        var rng = NumpyRandomState(seed: 42)
        #expect(throws: EvaluationError.self) { try km.fitPredict([[0, 1], [1, 0]], rng: &rng) }
    }
}
