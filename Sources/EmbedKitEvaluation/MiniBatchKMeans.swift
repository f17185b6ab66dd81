import Foundation

/// scikit-learn 1.3 `MiniBatchKMeans(n_clusters=k, batch_size=500, n_init="auto")` with k-means++ init,
/// drawing from a numpy `RandomState` exactly in sklearn's order: validation indices, (init indices),
/// k-means++ (choice, then uniform trials per centre), then per step a `randint` minibatch and, when
/// centres are reassigned, `choice(batch, replace=False)`. Arithmetic is float32 for centres and counts
/// like sklearn; distances are evaluated in double (sklearn uses float32 BLAS), so an assignment can differ
/// at near-ties and the trajectory can then diverge.
public struct MiniBatchKMeans {
    public var clusters: Int
    public var batchSize = 500
    public var maxIterations = 100
    public var maxNoImprovement = 10
    public var reassignmentRatio: Float = 0.01

    public private(set) var centers: [[Float]] = []
    public private(set) var steps = 0

    public init(clusters: Int, batchSize: Int = 500) {
        self.clusters = clusters
        self.batchSize = batchSize
    }

    /// Fits on `x` and returns the label (nearest final centre) of every point.
    public mutating func fitPredict(_ x: [[Float]], rng: inout NumpyRandomState) throws -> [Int] {
        let n = x.count
        guard clusters >= 1, n >= clusters else {
            throw EvaluationError.insufficientData("k-means: \(n) points cannot form \(clusters) clusters")
        }
        let batch = min(batchSize, n)
        var initSize = 3 * batch
        if initSize < clusters { initSize = 3 * clusters } else if initSize > n { initSize = n }
        let sq = x.map { v in v.reduce(0.0) { $0 + Double($1) * Double($1) } }

        _ = rng.randint(0, n, count: initSize)  // validation indices (inertia only matters when n_init > 1)
        var initIdx = Array(0..<n)
        if initSize < n { initIdx = rng.randint(0, n, count: initSize) }
        centers = kmeansPlusPlus(initIdx.map { x[$0] }, initIdx.map { sq[$0] }, rng: &rng)

        var counts = [Float](repeating: 0, count: clusters)
        var sinceReassign = 0
        var ewa: Double? = nil, ewaMin: Double? = nil
        var noImprovement = 0
        let nSteps = (maxIterations * n) / batch
        steps = 0
        for step in 0..<nSteps {
            let idx = rng.randint(0, n, count: batch)
            sinceReassign += batch
            let reassign = counts.contains(0) || sinceReassign >= 10 * clusters
            if reassign { sinceReassign = 0 }
            let xb = idx.map { x[$0] }
            let (labels, inertia) = assign(xb, idx.map { sq[$0] })
            // Centre update: undo count scaling, add members, rescale (float32, like sklearn's Cython).
            var newCenters = centers
            for j in 0..<clusters {
                let members = labels.indices.filter { labels[$0] == j }
                if members.isEmpty { continue }
                var c = centers[j].map { $0 * counts[j] }
                for i in members { for k in c.indices { c[k] += xb[i][k] } }
                counts[j] += Float(members.count)
                let alpha = 1 / counts[j]
                for k in c.indices { c[k] *= alpha }
                newCenters[j] = c
            }
            if reassign {
                let maxCount = counts.max()!
                var toReassign = counts.map { $0 < reassignmentRatio * maxCount }
                if Double(toReassign.filter { $0 }.count) > 0.5 * Double(batch) {
                    let order = counts.indices.sorted { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 < $1) }
                    for j in order[Int(0.5 * Double(batch))...] { toReassign[j] = false }
                }
                let m = toReassign.filter { $0 }.count
                if m > 0 {
                    let picks = rng.choiceWithoutReplacement(batch, count: m)
                    var p = 0
                    for j in 0..<clusters where toReassign[j] { newCenters[j] = xb[picks[p]]; p += 1 }
                    let floor = counts.indices.filter { !toReassign[$0] }.map { counts[$0] }.min()!
                    for j in 0..<clusters where toReassign[j] { counts[j] = floor }
                }
            }
            centers = newCenters
            steps = step + 1
            // Early stopping on the exponentially weighted average of the batch inertia.
            if step == 0 { continue }
            let bi = inertia / Double(batch)
            if let e = ewa {
                let alpha = min(Double(batch) * 2 / Double(n + 1), 1)
                ewa = e * (1 - alpha) + bi * alpha
            } else {
                ewa = bi
            }
            if ewaMin == nil || ewa! < ewaMin! {
                noImprovement = 0
                ewaMin = ewa
            } else {
                noImprovement += 1
            }
            if noImprovement >= maxNoImprovement { break }
        }
        return assign(x, sq).labels
    }

    /// Nearest centre (first on ties) by ‖c‖² − 2x·c, and the inertia Σ‖x − c‖².
    func assign(_ x: [[Float]], _ sq: [Double]) -> (labels: [Int], inertia: Double) {
        let cs = centers.map { c in c.reduce(0.0) { $0 + Double($1) * Double($1) } }
        var labels = [Int](repeating: 0, count: x.count)
        var inertia = 0.0
        for (i, v) in x.enumerated() {
            var best = 0, bestD = Double.infinity
            for (j, c) in centers.enumerated() {
                var dotv = 0.0
                for k in v.indices { dotv += Double(v[k]) * Double(c[k]) }
                let d = cs[j] - 2 * dotv
                if d < bestD { bestD = d; best = j }
            }
            labels[i] = best
            inertia += max(sq[i] + bestD, 0)
        }
        return (labels, inertia)
    }

    /// sklearn `_kmeans_plusplus` with n_local_trials = 2 + ⌊ln k⌋ and unit sample weights.
    func kmeansPlusPlus(_ x: [[Float]], _ sq: [Double], rng: inout NumpyRandomState) -> [[Float]] {
        let n = x.count
        let trials = 2 + Int(log(Double(clusters)))
        func distances(_ c: [Float], _ cSq: Double) -> [Double] {
            // sklearn upcasts float32 to float64 here, then stores float32.
            x.indices.map { i in
                var dotv = 0.0
                for k in c.indices { dotv += Double(c[k]) * Double(x[i][k]) }
                return Double(Float(max(cSq - 2 * dotv + sq[i], 0)))
            }
        }
        let first = rng.choice(probabilities: [Double](repeating: 1 / Double(n), count: n))
        var out = [x[first]]
        var closest = distances(x[first], sq[first])
        var pot = Double(Float(closest.reduce(0, +)))
        for _ in 1..<clusters {
            let r = rng.uniform(count: trials).map { $0 * pot }
            var cum = [Double](repeating: 0, count: n)
            var s = 0.0
            for i in 0..<n { s += closest[i]; cum[i] = s }
            let candidates = r.map { min(searchSortedLeft(cum, $0), n - 1) }
            var bestPot = Double.infinity, bestCandidate = 0, bestDist: [Double] = []
            for c in candidates {
                let d = zip(closest, distances(x[c], sq[c])).map { min($0, $1) }
                let p = Double(Float(d.reduce(0, +)))
                if p < bestPot { bestPot = p; bestCandidate = c; bestDist = d }
            }
            pot = bestPot
            closest = bestDist
            out.append(x[bestCandidate])
        }
        return out
    }
}
