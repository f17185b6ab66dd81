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
        let kept = samples.filter { !$0.positive.isEmpty && !$0.negative.isEmpty }
        guard !kept.isEmpty else {
            throw EvaluationError.insufficientData("reranking: no sample has both positive and negative candidates")
        }
        // Encode all queries, then all candidates, once each.
        _ = try cache.embeddings(kept.map(\.query))
        _ = try cache.embeddings(kept.flatMap { $0.positive + $0.negative })
        var aps: [Double] = [], rrs: [Double] = []
        for s in kept {
            let q = try cache.embeddings([s.query])[0]
            let docs = try cache.embeddings(s.positive + s.negative)
            let m = sampleMetrics(query: q, documents: docs, positives: s.positive.count)
            aps.append(m.ap)
            rrs.append(m.reciprocalRank)
        }
        let map = mean(aps)
        return .object([("map", .number(map)), ("mrr", .number(mean(rrs))), ("main_score", .number(map))])
    }

    /// AP and reciprocal rank within the top 10 for one sample; the first `positives` documents are relevant.
    public static func sampleMetrics(query: [Float], documents: [[Float]], positives: Int, mrrAt k: Int = 10)
        -> (ap: Double, reciprocalRank: Double)
    {
        let s = documents.map { PairScore.cosine(query, $0) }
        let relevant = documents.indices.map { $0 < positives }
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
