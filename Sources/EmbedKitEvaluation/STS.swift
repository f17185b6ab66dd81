/// One STS data set: sentence pairs with a gold similarity score in [minScore, maxScore].
public struct STSData: Sendable {
    public var sentence1: [String]
    public var sentence2: [String]
    public var score: [Double]
    public var minScore: Double
    public var maxScore: Double

    public init(sentence1: [String], sentence2: [String], score: [Double], minScore: Double = 0, maxScore: Double = 5) {
        self.sentence1 = sentence1
        self.sentence2 = sentence2
        self.score = score
        self.minScore = minScore
        self.maxScore = maxScore
    }
}

/// mteb 1.1.1 `STSEvaluator`: Pearson and Spearman between normalised gold scores and
/// cosine similarity, −manhattan and −euclidean distance. Main score: cosine Spearman.
/// Scores are computed in double precision: mteb's float32 sums (numpy einsum order) shift Pearson by
/// ~1e-8 and leave Spearman unchanged except at near-ties.
public enum STSEvaluation {
    public static func evaluate(_ data: STSData, cache: EmbeddingCache) throws -> ResultJSON {
        try validate(data)
        let a = try cache.embeddings(data.sentence1)
        let b = try cache.embeddings(data.sentence2)
        return scores(embeddings1: a, embeddings2: b, data: data)
    }

    static func validate(_ data: STSData) throws {
        guard data.sentence1.count == data.sentence2.count, data.sentence1.count == data.score.count else {
            throw EvaluationError.insufficientData("STS: sentence1, sentence2 and score must have the same length")
        }
        guard data.score.count >= 2 else { throw EvaluationError.insufficientData("STS: at least 2 pairs are needed") }
        guard data.maxScore > data.minScore else {
            throw EvaluationError.invalidOption("STS: max score (\(data.maxScore)) must exceed min score (\(data.minScore))")
        }
    }

    /// The metrics from precomputed embeddings.
    public static func scores(embeddings1 a: [[Float]], embeddings2 b: [[Float]], data: STSData) -> ResultJSON {
        let gold = data.score.map { ($0 - data.minScore) / (data.maxScore - data.minScore) }
        let cos = zip(a, b).map { PairScore.cosine($0, $1) }
        let man = zip(a, b).map { -PairScore.manhattan($0, $1) }
        let euc = zip(a, b).map { -PairScore.euclidean($0, $1) }
        func pair(_ s: [Double]) -> ResultJSON {
            .object([("pearson", .number(pearsonCorrelation(gold, s))), ("spearman", .number(spearmanCorrelation(gold, s)))])
        }
        let cosine = pair(cos)
        return .object([
            ("cos_sim", cosine), ("manhattan", pair(man)), ("euclidean", pair(euc)),
            ("main_score", cosine["spearman"]!),
        ])
    }
}
