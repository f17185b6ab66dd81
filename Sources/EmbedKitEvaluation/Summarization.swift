/// One summarization sample: a text's human summaries and its machine summaries with their gold
/// relevance scores (SummEval: the mean of three raters, 1–5).
public struct SummarizationSample: Sendable {
    public var humanSummaries: [String]
    public var machineSummaries: [String]
    public var relevance: [Double]

    public init(humanSummaries: [String], machineSummaries: [String], relevance: [Double]) {
        self.humanSummaries = humanSummaries
        self.machineSummaries = machineSummaries
        self.relevance = relevance
    }
}

/// mteb 1.1.1 `SummarizationEvaluator`: each machine summary is scored by its highest cosine (and dot
/// product) to the text's human summaries; per text, Spearman and Pearson of those scores against the
/// relevance (normalized by min/max score); texts whose gold or predicted scores are all equal are
/// skipped. Main score: cosine Spearman.
///
/// mteb before 1.14.4 averaged scipy's result tuples, so every reported value is the mean of
/// (statistic + p-value) / 2 over the texts; that is what the model cards of the time report, and what
/// `evaluate` returns (`statisticOnly: true` gives the corrected mean of the statistics).
public enum SummarizationEvaluation {
    public static func evaluate(_ samples: [SummarizationSample], minScore: Double = 0, maxScore: Double = 5,
                                statisticOnly: Bool = false, cache: EmbeddingCache) throws -> ResultJSON {
        guard maxScore > minScore else {
            throw EvaluationError.invalidOption("summarization: max score (\(maxScore)) must exceed min score (\(minScore))")
        }
        for (i, s) in samples.enumerated() {
            guard !s.humanSummaries.isEmpty, s.machineSummaries.count == s.relevance.count, s.machineSummaries.count >= 2 else {
                throw EvaluationError.insufficientData("summarization: sample \(i + 1) needs human summaries and at least 2 machine summaries, one relevance each")
            }
        }
        // Encode every summary once, in mteb's order: all human summaries, then all machine ones.
        _ = try cache.embeddings(samples.flatMap(\.humanSummaries))
        _ = try cache.embeddings(samples.flatMap(\.machineSummaries))
        var cosSpearman: [Double] = [], cosPearson: [Double] = [], dotSpearman: [Double] = [], dotPearson: [Double] = []
        for s in samples {
            let human = try cache.embeddings(s.humanSummaries)
            let machine = try cache.embeddings(s.machineSummaries)
            let cos = machine.map { m in human.map { PairScore.cosine(m, $0) }.max()! }
            let dot = machine.map { m in human.map { PairScore.dot(m, $0) }.max()! }
            let gold = s.relevance.map { ($0 - minScore) / (maxScore - minScore) }
            if Set(gold).count == 1 || Set(cos).count == 1 || Set(dot).count == 1 { continue }
            let n = gold.count
            func reported(_ r: Double, _ p: Double) -> [Double] { statisticOnly ? [r] : [r, p] }
            let cs = spearmanCorrelation(gold, cos), cp = pearsonCorrelation(gold, cos)
            let ds = spearmanCorrelation(gold, dot), dp = pearsonCorrelation(gold, dot)
            cosSpearman += reported(cs, spearmanPValue(cs, n: n))
            cosPearson += reported(cp, pearsonPValue(cp, n: n))
            dotSpearman += reported(ds, spearmanPValue(ds, n: n))
            dotPearson += reported(dp, pearsonPValue(dp, n: n))
        }
        guard !cosSpearman.isEmpty else {
            throw EvaluationError.insufficientData("summarization: every sample has equal gold or predicted scores")
        }
        let cosine = ResultJSON.object([("spearman", .number(mean(cosSpearman))), ("pearson", .number(mean(cosPearson)))])
        return .object([("cos_sim", cosine),
                        ("dot", .object([("spearman", .number(mean(dotSpearman))), ("pearson", .number(mean(dotPearson)))])),
                        ("main_score", cosine["spearman"]!)])
    }
}
