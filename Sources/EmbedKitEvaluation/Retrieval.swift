import Foundation

/// A retrieval data set in BEIR's shape: corpus documents, queries and graded relevance judgements.
public struct RetrievalData: Sendable {
    public struct Document: Sendable {
        public var id: String
        public var title: String?
        public var text: String
        public init(id: String, title: String? = nil, text: String) {
            self.id = id
            self.title = title
            self.text = text
        }
    }
    public var corpus: [Document]
    /// (query id, query text), in file order.
    public var queries: [(id: String, text: String)]
    /// qrels[queryID][documentID] = graded relevance (≥ 1 is relevant).
    public var qrels: [String: [String: Int]]

    public init(corpus: [Document], queries: [(id: String, text: String)], qrels: [String: [String: Int]]) {
        self.corpus = corpus
        self.queries = queries
        self.qrels = qrels
    }
}

/// mteb 1.1.1 retrieval (BEIR 2.0.0 exact search + pytrec_eval): cosine top-1000 per query,
/// a document with the query's own id is skipped, nDCG/MAP/recall/precision via trec_eval semantics and
/// BEIR's MRR, each averaged and rounded to 5 decimals. Main score: nDCG@10.
public enum RetrievalEvaluation {
    public static let kValues = [1, 3, 5, 10, 100, 1000]

    public static func evaluate(_ data: RetrievalData, cache: EmbeddingCache, topK: Int = 1000,
                                progress: ((Int, Int) -> Void)? = nil) throws -> ResultJSON {
        try check(data)
        let q = try cache.embeddings(data.queries.map(\.text))
        let c = try cache.embeddings(documentTexts(data)).map { [$0] }
        return rank(data, queries: q, documents: c, topK: topK, progress: progress)
    }

    /// Long documents as chunks, scored as the late-chunking paper scores them (Günther et al. 2024):
    /// `chunks` gives each document text's chunk vectors, and a document's score for a query is its
    /// best chunk's cosine. Everything else is as `evaluate(_:cache:)`.
    public static func evaluate(_ data: RetrievalData, cache: EmbeddingCache, chunks: ([String]) throws -> [[[Float]]],
                                topK: Int = 1000, progress: ((Int, Int) -> Void)? = nil) throws -> ResultJSON {
        try check(data)
        let q = try cache.embeddings(data.queries.map(\.text))
        let texts = documentTexts(data)
        let c = try chunks(texts)
        guard c.count == texts.count else { throw EvaluationError.embeddingCountMismatch(expected: texts.count, got: c.count) }
        if let i = c.firstIndex(where: \.isEmpty) {
            throw EvaluationError.insufficientData("retrieval: document \(data.corpus[i].id) has no chunks")
        }
        let width = q.first?.count ?? 0
        if let bad = c.lazy.flatMap({ $0 }).first(where: { $0.count != width }) {
            throw EvaluationError.dimensionMismatch(expected: width, got: bad.count)
        }
        return rank(data, queries: q, documents: c, topK: topK, progress: progress)
    }

    /// mteb's DRESModel document text: "title text" stripped, or text stripped. Queries are not stripped.
    public static func documentTexts(_ data: RetrievalData) -> [String] {
        data.corpus.map { d -> String in
            let t = d.title.map { $0 + " " + d.text } ?? d.text
            return t.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    private static func check(_ data: RetrievalData) throws {
        guard !data.corpus.isEmpty else { throw EvaluationError.insufficientData("retrieval: the corpus is empty") }
        guard !data.queries.isEmpty else { throw EvaluationError.insufficientData("retrieval: there are no queries") }
        guard !data.qrels.isEmpty else { throw EvaluationError.insufficientData("retrieval: there are no relevance judgements (qrels)") }
    }

    /// Cosine top-k per query over documents of one or more vectors each (a document scores its best).
    private static func rank(_ data: RetrievalData, queries: [[Float]], documents: [[[Float]]], topK: Int,
                             progress: ((Int, Int) -> Void)?) -> ResultJSON {
        let q = queries.map(PairScore.normalized)
        let c = documents.map { $0.map(PairScore.normalized) }
        let ids = data.corpus.map(\.id)
        var run: [String: [(id: String, score: Double)]] = [:]
        var sims = [Double](repeating: 0, count: c.count)
        for (qi, query) in data.queries.enumerated() {
            let qv = q[qi]
            for (di, vectors) in c.enumerated() {
                var best = -Double.infinity
                for d in vectors {
                    var s = 0.0
                    for k in d.indices { s += Double(d[k]) * Double(qv[k]) }
                    best = max(best, s.isNaN ? -1 : s)
                }
                sims[di] = best
            }
            // Top-k by (score, id) descending; a document with the query's own id is skipped.
            var candidates = c.indices.filter { ids[$0] != query.id }
            if candidates.count > topK {
                // Partial selection: keep the k best by score, then sort those.
                let kth = candidates.map { sims[$0] }.sorted(by: >)[topK - 1]
                candidates = candidates.filter { sims[$0] >= kth }
            }
            let ranked = candidates.map { (id: ids[$0], score: sims[$0]) }.sorted(by: trecOrder)
            run[query.id] = Array(ranked.prefix(topK))
            if (qi + 1) % 1000 == 0 { progress?(qi + 1, data.queries.count) }
        }
        return scores(run: run, qrels: data.qrels)
    }

    /// trec_eval's ranking: score descending, ties by document id descending.
    static func trecOrder(_ a: (id: String, score: Double), _ b: (id: String, score: Double)) -> Bool {
        a.score != b.score ? a.score > b.score : a.id > b.id
    }

    /// The metrics for a given run (query id → retrieved documents with scores).
    public static func scores(run: [String: [(id: String, score: Double)]], qrels: [String: [String: Int]],
                              kValues: [Int] = kValues) -> ResultJSON {
        var sums = [String: Double]()
        var evaluated = 0
        var mrr = [Double](repeating: 0, count: kValues.count)
        for (qid, docs) in run {
            let ranked = docs.sorted(by: trecOrder)
            if let rel = qrels[qid] {
                evaluated += 1
                for (name, v) in trecMetrics(ranked: ranked.map(\.id), qrels: rel, kValues: kValues) {
                    sums[name, default: 0] += v
                }
                // BEIR custom MRR: first relevant document within the top k.
                for (ki, k) in kValues.enumerated() {
                    for (rank, d) in ranked.prefix(k).enumerated() where (rel[d.id] ?? 0) > 0 {
                        mrr[ki] += 1 / Double(rank + 1)
                        break
                    }
                }
            }
        }
        var fields: [(String, ResultJSON)] = []
        let n = Double(max(evaluated, 1))
        for (prefix, trec) in [("ndcg_at", "ndcg_cut"), ("map_at", "map_cut"), ("recall_at", "recall"), ("precision_at", "P")] {
            for k in kValues {
                fields.append(("\(prefix)_\(k)", .number(pythonRound((sums["\(trec)_\(k)"] ?? 0) / n, digits: 5))))
            }
        }
        for (ki, k) in kValues.enumerated() {
            fields.append(("mrr_at_\(k)", .number(pythonRound(mrr[ki] / Double(qrels.count), digits: 5))))
        }
        let main = fields.first { $0.0 == "ndcg_at_10" }?.1 ?? fields[0].1
        fields.append(("main_score", main))
        return .object(fields)
    }

    /// Per-query trec_eval 9 measures ndcg_cut, map_cut, recall, P at each k, for an already ranked list.
    /// Relevant: qrels value ≥ 1; nDCG gain: the raw qrels value; ideal from all judged values > 0.
    public static func trecMetrics(ranked: [String], qrels: [String: Int], kValues: [Int]) -> [String: Double] {
        let numRelevant = qrels.values.filter { $0 >= 1 }.count
        let gains = ranked.map { qrels[$0] ?? 0 }
        let ideal = qrels.values.filter { $0 > 0 }.sorted(by: >)
        var out: [String: Double] = [:]
        for k in kValues {
            var dcg = 0.0, idcg = 0.0, hits = 0, ap = 0.0
            for (i, g) in gains.prefix(k).enumerated() {
                if g > 0 { dcg += Double(g) / log2(Double(i + 2)) }
                if g >= 1 { hits += 1; ap += Double(hits) / Double(i + 1) }
            }
            for (i, g) in ideal.prefix(k).enumerated() { idcg += Double(g) / log2(Double(i + 2)) }
            out["ndcg_cut_\(k)"] = idcg > 0 ? dcg / idcg : 0
            out["map_cut_\(k)"] = numRelevant > 0 ? ap / Double(numRelevant) : 0
            out["recall_\(k)"] = numRelevant > 0 ? Double(hits) / Double(numRelevant) : 0
            out["P_\(k)"] = Double(hits) / Double(k)
        }
        return out
    }
}
