/// One reranking sample: a query with relevant (positive) and irrelevant (negative) candidates.
public struct RerankingSample: Sendable {
    public var query: String
    public var positive: [String]
    public var negative: [String]

    public init(query: String, positive: [String], negative: [String]) {
        self.query = query
        self.positive = positive
        self.negative = negative
    }
}

/// mteb 1.1.1 `RerankingEvaluator`: candidates ranked by cosine similarity to the query;
/// MAP (sklearn AP per sample) and MRR@10. Samples without positives or negatives are dropped.
public enum RerankingEvaluation {
    public static func evaluate(_ samples: [RerankingSample], cache: EmbeddingCache) throws -> ResultJSON {
        let kept = try usable(samples)
        // Encode all queries, then all candidates, once each.
        _ = try cache.embeddings(kept.map(\.query))
        _ = try cache.embeddings(kept.flatMap { $0.positive + $0.negative })
        return try evaluate(kept) { query, documents in
            let q = try cache.embeddings([query])[0]
            return try cache.embeddings(documents).map { PairScore.cosine(q, $0) }
        }
    }

    /// The same metrics with the candidates scored by `score(query, candidates)` (a cross-encoder's
    /// scores, `embedkit eval reranking --cross-encoder`), higher meaning more relevant.
    public static func evaluate(_ samples: [RerankingSample], score: (String, [String]) throws -> [Double]) throws -> ResultJSON {
        var aps: [Double] = [], rrs: [Double] = []
        for s in try usable(samples) {
            let m = metrics(scores: try score(s.query, s.positive + s.negative), positives: s.positive.count)
            aps.append(m.ap)
            rrs.append(m.reciprocalRank)
        }
        let map = mean(aps)
        return .object([("map", .number(map)), ("mrr", .number(mean(rrs))), ("main_score", .number(map))])
    }

    static func usable(_ samples: [RerankingSample]) throws -> [RerankingSample] {
        let kept = samples.filter { !$0.positive.isEmpty && !$0.negative.isEmpty }
        guard !kept.isEmpty else {
            throw EvaluationError.insufficientData("reranking: no sample has both positive and negative candidates")
        }
        return kept
    }

    /// AP (sklearn) and reciprocal rank within the top `k` of candidates with `scores`; the first
    /// `positives` are relevant. Ties keep the input order.
    public static func metrics(scores s: [Double], positives: Int, mrrAt k: Int = 10) -> (ap: Double, reciprocalRank: Double) {
        let relevant = s.indices.map { $0 < positives }
        let ap = averagePrecision(labels: relevant, scores: s)
        let order = s.indices.sorted { s[$0] > s[$1] || (s[$0] == s[$1] && $0 < $1) }
        var rr = 0.0
        for (rank, i) in order.prefix(k).enumerated() where relevant[i] {
            rr = 1 / Double(rank + 1)
            break
        }
        return (ap, rr)
    }
}
