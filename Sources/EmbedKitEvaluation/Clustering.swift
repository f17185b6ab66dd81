/// One clustering set: sentences and their gold labels (mteb runs k-means once per set).
public struct ClusteringSet: Sendable {
    public var sentences: [String]
    public var labels: [Int]
    public init(sentences: [String], labels: [Int]) {
        self.sentences = sentences
        self.labels = labels
    }
}

/// mteb 1.1.1 `ClusteringEvaluator`: per set, MiniBatchKMeans (k = number of gold labels, batch 500)
/// on a numpy RNG freshly seeded with 42, then V-measure; mean and population std over sets.
public enum ClusteringEvaluation {
    public static func evaluate(_ sets: [ClusteringSet], cache: EmbeddingCache, batchSize: Int = 500,
                                progress: ((Int, Int) -> Void)? = nil) throws -> (result: ResultJSON, assignments: [[Int]]) {
        guard !sets.isEmpty else { throw EvaluationError.insufficientData("clustering: no sets to cluster") }
        var scores: [Double] = [], assignments: [[Int]] = []
        for (i, s) in sets.enumerated() {
            guard s.sentences.count == s.labels.count, !s.sentences.isEmpty else {
                throw EvaluationError.insufficientData("clustering: set \(i + 1) needs one label per sentence")
            }
            let x = try cache.embeddings(s.sentences)
            var km = MiniBatchKMeans(clusters: Set(s.labels).count, batchSize: batchSize)
            var rng = NumpyRandomState(seed: 42)
            let labels = try km.fitPredict(x, rng: &rng)
            assignments.append(labels)
            scores.append(vMeasure(labelsTrue: s.labels, labelsPred: labels))
            progress?(i + 1, sets.count)
        }
        let v = mean(scores)
        return (.object([("v_measure", .number(v)), ("v_measure_std", .number(populationStd(scores))), ("main_score", .number(v))]), assignments)
    }
}
