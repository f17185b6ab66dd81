/// One pair-classification data set: sentence pairs labelled 1 (paraphrase / duplicate) or 0.
public struct PairClassificationData: Sendable {
    public var sentence1: [String]
    public var sentence2: [String]
    public var labels: [Int]

    public init(sentence1: [String], sentence2: [String], labels: [Int]) {
        self.sentence1 = sentence1
        self.sentence2 = sentence2
        self.labels = labels
    }
}

/// mteb 1.1.1 `PairClassificationEvaluator`: best-threshold accuracy and F1, and average precision,
/// for cosine, dot (higher = similar), euclidean and manhattan (lower = similar). Main score: cosine AP.
public enum PairClassificationEvaluation {
    public static func evaluate(_ data: PairClassificationData, cache: EmbeddingCache) throws -> ResultJSON {
        guard data.sentence1.count == data.sentence2.count, data.sentence1.count == data.labels.count else {
            throw EvaluationError.insufficientData("pair classification: sentence1, sentence2 and label must have the same length")
        }
        guard data.labels.count >= 2 else { throw EvaluationError.insufficientData("pair classification: at least 2 pairs are needed") }
        guard data.labels.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw EvaluationError.insufficientData("pair classification: labels must be 0 or 1")
        }
        guard data.labels.contains(1) else { throw EvaluationError.insufficientData("pair classification: no positive pair (label 1)") }
        let a = try cache.embeddings(data.sentence1)
        let b = try cache.embeddings(data.sentence2)
        return scores(embeddings1: a, embeddings2: b, labels: data.labels)
    }

    public static func scores(embeddings1 a: [[Float]], embeddings2 b: [[Float]], labels: [Int]) -> ResultJSON {
        let functions: [(String, [Double], Bool)] = [
            ("cos_sim", zip(a, b).map { PairedScores32.cosine($0, $1) }, true),
            ("manhattan", zip(a, b).map { PairedScores32.manhattan($0, $1) }, false),
            ("euclidean", zip(a, b).map { PairedScores32.euclidean($0, $1) }, false),
            ("dot", zip(a, b).map { PairedScores32.dot($0, $1) }, true),
        ]
        var fields: [(String, ResultJSON)] = []
        var best = (accuracy: 0.0, f1: 0.0, ap: 0.0)
        for (name, s, higherIsSimilar) in functions {
            let m = metrics(scores: s, labels: labels, higherIsSimilar: higherIsSimilar)
            fields.append((name, .object([
                ("accuracy", .number(m.accuracy)), ("accuracy_threshold", .number(m.accuracyThreshold)),
                ("f1", .number(m.f1)), ("f1_threshold", .number(m.f1Threshold)),
                ("precision", .number(m.precision)), ("recall", .number(m.recall)), ("ap", .number(m.ap)),
            ])))
            best = (max(best.accuracy, m.accuracy), max(best.f1, m.f1), max(best.ap, m.ap))
        }
        fields.append(("max", .object([("accuracy", .number(best.accuracy)), ("f1", .number(best.f1)), ("ap", .number(best.ap))])))
        fields.append(("main_score", fields[0].1["ap"]!))
        return .object(fields)
    }

    public struct Metrics: Sendable {
        public var accuracy = 0.0, accuracyThreshold = -1.0
        public var f1 = 0.0, f1Threshold = 0.0, precision = 0.0, recall = 0.0
        public var ap = 0.0
    }

    /// Threshold search exactly as mteb: stable sort, the last row is never a cut, first strict maximum wins.
    public static func metrics(scores: [Double], labels: [Int], higherIsSimilar: Bool) -> Metrics {
        let n = scores.count
        // Python's sorted(reverse=True) is stable: equal keys keep input order in both directions.
        let order = scores.indices.sorted {
            if scores[$0] != scores[$1] { return higherIsSimilar ? scores[$0] > scores[$1] : scores[$0] < scores[$1] }
            return $0 < $1
        }
        var m = Metrics()
        var positives = 0, remainingNegatives = labels.filter { $0 == 0 }.count
        let totalPositives = labels.filter { $0 == 1 }.count
        var extracted = 0, correct = 0
        for r in 0..<max(0, n - 1) {
            let i = order[r], next = order[r + 1]
            let mid = Double((Float(scores[i]) + Float(scores[next])) / 2)
            if labels[i] == 1 { positives += 1 } else { remainingNegatives -= 1 }
            let acc = Double(positives + remainingNegatives) / Double(n)
            if acc > m.accuracy { m.accuracy = acc; m.accuracyThreshold = mid }
            extracted += 1
            if labels[i] == 1 { correct += 1 }
            if correct > 0 {
                let p = Double(correct) / Double(extracted), rc = Double(correct) / Double(totalPositives)
                let f1 = 2 * p * rc / (p + rc)
                if f1 > m.f1 { m.f1 = f1; m.precision = p; m.recall = rc; m.f1Threshold = mid }
            }
        }
        m.ap = averagePrecision(labels: labels.map { $0 == 1 }, scores: scores.map { higherIsSimilar ? $0 : -$0 })
        return m
    }
}
