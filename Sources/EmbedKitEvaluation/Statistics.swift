import Foundation

/// Arithmetic mean (0 for an empty array).
public func mean(_ x: [Double]) -> Double {
    x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count)
}

/// Population standard deviation (`np.std`, ddof 0), which mteb reports as `*_stderr` / `*_std`.
public func populationStd(_ x: [Double]) -> Double {
    guard !x.isEmpty else { return 0 }
    let m = mean(x)
    return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)).squareRoot()
}

/// `scipy.stats.pearsonr(x, y)[0]` (scipy 1.11): centred vectors scaled to unit length, dot product,
/// clipped to [-1, 1]. NaN if either input is constant (scipy warns and returns NaN too).
public func pearsonCorrelation(_ x: [Double], _ y: [Double]) -> Double {
    precondition(x.count == y.count, "pearson: inputs of different lengths")
    let mx = mean(x), my = mean(y)
    let xm = x.map { $0 - mx }, ym = y.map { $0 - my }
    let nx = xm.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let ny = ym.reduce(0) { $0 + $1 * $1 }.squareRoot()
    guard nx > 0, ny > 0 else { return .nan }
    var r = 0.0
    for i in x.indices { r += (xm[i] / nx) * (ym[i] / ny) }
    return max(-1, min(1, r))
}

/// `scipy.stats.rankdata(x)` with method "average": 1-based ranks, ties share their mean rank.
public func averageRanks(_ x: [Double]) -> [Double] {
    let order = x.indices.sorted { x[$0] < x[$1] || (x[$0] == x[$1] && $0 < $1) }
    var ranks = [Double](repeating: 0, count: x.count)
    var i = 0
    while i < order.count {
        var j = i
        while j + 1 < order.count && x[order[j + 1]] == x[order[i]] { j += 1 }
        let r = Double(i + j) / 2 + 1
        for k in i...j { ranks[order[k]] = r }
        i = j + 1
    }
    return ranks
}

/// `scipy.stats.spearmanr(x, y)[0]`: Pearson correlation of the average ranks.
public func spearmanCorrelation(_ x: [Double], _ y: [Double]) -> Double {
    pearsonCorrelation(averageRanks(x), averageRanks(y))
}

/// `sklearn.metrics.average_precision_score` for binary labels (positive = true): step-function AP,
/// scores sorted descending, tied scores grouped (evaluated at the last index of each run of ties).
/// NaN when there is no positive (sklearn warns and returns NaN-like values too).
public func averagePrecision(labels: [Bool], scores: [Double]) -> Double {
    precondition(labels.count == scores.count, "average precision: inputs of different lengths")
    let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    let totalPositives = labels.filter { $0 }.count
    guard totalPositives > 0 else { return .nan }
    var tp = 0, ap = 0.0, prevRecall = 0.0
    for (rank, i) in order.enumerated() {
        if labels[i] { tp += 1 }
        let lastOfRun = rank + 1 == order.count || scores[order[rank + 1]] != scores[i]
        if lastOfRun {
            let precision = Double(tp) / Double(rank + 1)
            let recall = Double(tp) / Double(totalPositives)
            ap += (recall - prevRecall) * precision
            prevRecall = recall
        }
    }
    return ap
}
