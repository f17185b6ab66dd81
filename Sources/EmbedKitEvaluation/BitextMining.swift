/// Bitext mining data: source sentences and the target corpus they are mined from. `gold[k]` pairs
/// source `k` with its translation `target[gold[k]]`; targets no source points at are distractors.
public struct BitextMiningData: Sendable {
    public var sources: [String]
    public var targets: [String]
    public var gold: [Int]

    public init(sources: [String], targets: [String], gold: [Int]) {
        self.sources = sources
        self.targets = targets
        self.gold = gold
    }

    /// Aligned pairs (Tatoeba): source `i` translates target `i`.
    public init(aligned sentence1: [String], _ sentence2: [String]) {
        self.init(sources: sentence1, targets: sentence2, gold: Array(sentence1.indices))
    }
}

/// mteb 1.1.1 `BitextMiningEvaluator`: each source's nearest target by cosine similarity (the first
/// of equal scores), then sklearn's accuracy and `average="weighted"` precision, recall and F1 of the
/// predicted target indices against the gold ones. Main score: F1.
public enum BitextMiningEvaluation {
    public static func evaluate(_ data: BitextMiningData, cache: EmbeddingCache) throws -> ResultJSON {
        guard data.sources.count == data.gold.count, !data.sources.isEmpty else {
            throw EvaluationError.insufficientData("bitext mining: at least one source sentence with its gold target is needed")
        }
        guard data.gold.allSatisfy({ data.targets.indices.contains($0) }) else {
            throw EvaluationError.insufficientData("bitext mining: a gold pair points outside the \(data.targets.count) target sentences")
        }
        let sources = try cache.embeddings(data.sources).map(PairScore.normalized)
        let targets = try cache.embeddings(data.targets).map(PairScore.normalized)
        let predicted = sources.map { nearest($0, in: targets) }
        return scores(predicted: predicted, gold: data.gold)
    }

    /// Index of the target with the highest cosine to `source` (both unit length); the first on ties.
    static func nearest(_ source: [Float], in targets: [[Float]]) -> Int {
        var best = 0, bestScore = -Double.infinity
        for (j, t) in targets.enumerated() {
            let s = PairScore.dot(source, t)
            if s > bestScore { best = j; bestScore = s }
        }
        return best
    }

    /// sklearn's `accuracy_score` and `precision/recall/f1_score(average="weighted")`: per label of
    /// gold ∪ predicted, weighted by its gold support (a label only predicted weighs 0; 0/0 counts as 0).
    public static func scores(predicted: [Int], gold: [Int]) -> ResultJSON {
        precondition(predicted.count == gold.count, "one prediction per gold label")
        var support: [Int: Int] = [:], predictedCount: [Int: Int] = [:], hits: [Int: Int] = [:]
        for (p, g) in zip(predicted, gold) {
            support[g, default: 0] += 1
            predictedCount[p, default: 0] += 1
            if p == g { hits[g, default: 0] += 1 }
        }
        var precision = 0.0, recall = 0.0, f1 = 0.0
        let total = Double(gold.count)
        for label in Set(gold).union(predicted).sorted() {
            let tp = Double(hits[label] ?? 0)
            let p = predictedCount[label].map { tp / Double($0) } ?? 0
            let r = support[label].map { tp / Double($0) } ?? 0
            let f = p + r > 0 ? 2 * p * r / (p + r) : 0
            let weight = Double(support[label] ?? 0) / total
            precision += weight * p
            recall += weight * r
            f1 += weight * f
        }
        let accuracy = Double(zip(predicted, gold).filter { $0 == $1 }.count) / total
        return .object([("precision", .number(precision)), ("recall", .number(recall)), ("f1", .number(f1)),
                        ("accuracy", .number(accuracy)), ("main_score", .number(f1))])
    }
}
