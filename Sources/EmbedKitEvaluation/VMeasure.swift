import Foundation

/// sklearn `v_measure_score` (β = 1, natural log): harmonic mean of homogeneity and completeness
/// from the contingency table. Labels of either side can be any integers.
public func vMeasure(labelsTrue: [Int], labelsPred: [Int]) -> Double {
    precondition(labelsTrue.count == labelsPred.count, "v-measure: inputs of different lengths")
    let n = Double(labelsTrue.count)
    guard n > 0 else { return 1 }
    var joint: [Int: [Int: Int]] = [:]
    var ct: [Int: Int] = [:], ck: [Int: Int] = [:]
    for (t, p) in zip(labelsTrue, labelsPred) {
        joint[t, default: [:]][p, default: 0] += 1
        ct[t, default: 0] += 1
        ck[p, default: 0] += 1
    }
    func entropy(_ counts: [Int: Int]) -> Double {
        -counts.values.reduce(0.0) { $0 + Double($1) / n * (log(Double($1)) - log(n)) }
    }
    let hc = entropy(ct), hk = entropy(ck)
    var mi = 0.0
    for (t, row) in joint {
        for (p, c) in row {
            let nc = Double(c)
            mi += nc / n * (log(nc) - log(Double(ct[t]!) * Double(ck[p]!)) + log(n))
        }
    }
    mi = max(mi, 0)
    let h = hc == 0 ? 1 : mi / hc
    let c = hk == 0 ? 1 : mi / hk
    return h + c == 0 ? 0 : 2 * h * c / (h + c)
}
