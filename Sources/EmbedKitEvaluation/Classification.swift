/// A classification data set: labelled training and test texts.
public struct ClassificationData: Sendable {
    public var trainTexts: [String]
    public var trainLabels: [Int]
    public var testTexts: [String]
    public var testLabels: [Int]
    /// mteb defaults: 10 experiments, 8 samples per label (C-MTEB tasks use 32).
    public var experiments: Int
    public var samplesPerLabel: Int

    public init(trainTexts: [String], trainLabels: [Int], testTexts: [String], testLabels: [Int],
                experiments: Int = 10, samplesPerLabel: Int = 8) {
        self.trainTexts = trainTexts
        self.trainLabels = trainLabels
        self.testTexts = testTexts
        self.testLabels = testLabels
        self.experiments = experiments
        self.samplesPerLabel = samplesPerLabel
    }
}

/// mteb 1.1.1 `AbsTaskClassification` + `logRegClassificationEvaluator`: per experiment, an undersampled
/// training set (seeded numpy shuffle), logistic regression, accuracy / macro F1 (and AP on hard 0/1
/// predictions when the training labels are binary); means and population std over experiments.
public enum ClassificationEvaluation {
    public struct Experiment: Sendable {
        public var trainIndices: [Int]
        public var predictions: [Int]
        public var accuracy: Double
        public var f1: Double
        public var ap: Double?
        public var iterations: Int
    }

    public static func evaluate(_ data: ClassificationData, cache: EmbeddingCache,
                                progress: ((Int, Int) -> Void)? = nil) throws -> (result: ResultJSON, experiments: [Experiment]) {
        guard data.trainTexts.count == data.trainLabels.count, data.testTexts.count == data.testLabels.count else {
            throw EvaluationError.insufficientData("classification: each text needs a label")
        }
        guard !data.trainTexts.isEmpty, !data.testTexts.isEmpty else {
            throw EvaluationError.insufficientData("classification: the training and test sets must not be empty")
        }
        guard data.experiments >= 1, data.samplesPerLabel >= 1 else {
            throw EvaluationError.invalidOption("classification: experiments and samples per label must be ≥ 1")
        }
        let test = try cache.embeddings(data.testTexts)
        let picks = mtebUndersample(labels: data.trainLabels, samplesPerLabel: data.samplesPerLabel, experiments: data.experiments)
        var experiments: [Experiment] = []
        for (e, idx) in picks.enumerated() {
            let x = try cache.embeddings(idx.map { data.trainTexts[$0] })
            let y = idx.map { data.trainLabels[$0] }
            var model = LogisticRegression()
            try model.fit(x, y)
            let pred = model.predict(test)
            let binary = Set(y).count == 2
            experiments.append(Experiment(
                trainIndices: idx, predictions: pred,
                accuracy: accuracy(data.testLabels, pred), f1: macroF1(data.testLabels, pred),
                ap: binary ? averagePrecision(labels: data.testLabels.map { $0 == 1 }, scores: pred.map(Double.init)) : nil,
                iterations: model.iterations))
            progress?(e + 1, picks.count)
        }
        var fields: [(String, ResultJSON)] = []
        let acc = experiments.map(\.accuracy), f1 = experiments.map(\.f1)
        fields.append(("accuracy", .number(mean(acc))))
        fields.append(("f1", .number(mean(f1))))
        let aps = experiments.compactMap(\.ap)
        if !aps.isEmpty { fields.append(("ap", .number(mean(aps)))) }
        fields.append(("accuracy_stderr", .number(populationStd(acc))))
        fields.append(("f1_stderr", .number(populationStd(f1))))
        if !aps.isEmpty { fields.append(("ap_stderr", .number(populationStd(aps)))) }
        fields.append(("main_score", .number(mean(acc))))
        return (.object(fields), experiments)
    }

    public static func accuracy(_ truth: [Int], _ pred: [Int]) -> Double {
        Double(zip(truth, pred).filter { $0 == $1 }.count) / Double(max(truth.count, 1))
    }

    /// sklearn `f1_score(average="macro")` over the labels in truth ∪ predictions; F1 = 2TP/(2TP+FP+FN).
    public static func macroF1(_ truth: [Int], _ pred: [Int]) -> Double {
        let labels = Set(truth).union(pred).sorted()
        var total = 0.0
        for l in labels {
            var tp = 0, fp = 0, fn = 0
            for (t, p) in zip(truth, pred) {
                if t == l && p == l { tp += 1 } else if p == l { fp += 1 } else if t == l { fn += 1 }
            }
            let den = 2 * tp + fp + fn
            total += den > 0 ? Double(2 * tp) / Double(den) : 0
        }
        return total / Double(max(labels.count, 1))
    }
}
