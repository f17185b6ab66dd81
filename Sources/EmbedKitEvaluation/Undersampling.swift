/// mteb 1.1.1 `AbsTaskClassification._undersample_data`, as the task loop drives it: `idxs = arange(n)` once,
/// then per experiment the global RNG — freshly re-seeded with 42 by the previous evaluator's constructor —
/// shuffles `idxs` in place (so the permutations compound), and the first `samplesPerLabel` indices of each
/// label, in shuffled order, form that experiment's training set.
public func mtebUndersample<Label: Hashable>(labels: [Label], samplesPerLabel: Int, experiments: Int, seed: UInt32 = 42) -> [[Int]] {
    var idxs = Array(labels.indices)
    var picks: [[Int]] = []
    for _ in 0..<experiments {
        var rng = NumpyRandomState(seed: seed)
        rng.shuffle(&idxs)
        var counts: [Label: Int] = [:]
        var selected: [Int] = []
        for i in idxs where counts[labels[i], default: 0] < samplesPerLabel {
            selected.append(i)
            counts[labels[i], default: 0] += 1
        }
        picks.append(selected)
    }
    return picks
}
