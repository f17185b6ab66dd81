import Foundation
import Testing
import EmbedKitEvaluation

/// STS, pair classification, reranking and retrieval against mteb 1.1.1 on the shared fixtures.
@Suite struct DeterministicMetricsTests {
    @Test(.enabled(if: ReferenceFixtures.available, ReferenceFixtures.missingMessage)) func sts() throws {
        let f = try #require(ReferenceFixtures.shared)
        let data = STSData(sentence1: f.fx("sts.sentence1") as! [String], sentence2: f.fx("sts.sentence2") as! [String],
                           score: f.fxDoubles("sts.score"), minScore: 0, maxScore: 5)
        let r = try STSEvaluation.evaluate(data, cache: f.cache())
        var a = Agreement("STS (200 pairs)")
        for fn in ["cos_sim", "manhattan", "euclidean"] {
            for m in ["pearson", "spearman"] {
                a.add("\(fn).\(m)", got: r[fn]![m]!.double!, want: f.refDouble("sts.\(fn).\(m)"))
            }
        }
        a.report()
        // Pearson: mteb's scores are float32 (numpy einsum summation order), ours double → ~6e-9.
        #expect(a.rows.filter { $0.0.hasSuffix("pearson") }.allSatisfy { abs($0.1 - $0.2) <= 1e-8 })
        #expect(a.rows.filter { $0.0.hasSuffix("spearman") }.allSatisfy { abs($0.1 - $0.2) <= 1e-12 })
        #expect(r["main_score"]!.double == r["cos_sim"]!["spearman"]!.double)
    }

    @Test(.enabled(if: ReferenceFixtures.available, ReferenceFixtures.missingMessage)) func pairClassification() throws {
        let f = try #require(ReferenceFixtures.shared)
        let data = PairClassificationData(sentence1: f.fx("pair_classification.sent1") as! [String],
                                          sentence2: f.fx("pair_classification.sent2") as! [String],
                                          labels: f.fx("pair_classification.labels") as! [Int])
        let r = try PairClassificationEvaluation.evaluate(data, cache: f.cache())
        var exact = Agreement("pair classification (300 pairs): accuracy, F1, precision, recall, AP")
        var thresholds = Agreement("pair classification thresholds (mteb: float32 scores; here float64)")
        for fn in ["cos_sim", "manhattan", "euclidean", "dot"] {
            for m in ["accuracy", "f1", "precision", "recall", "ap"] {
                exact.add("\(fn).\(m)", got: r[fn]![m]!.double!, want: f.refDouble("pair_classification.\(fn).\(m)"))
            }
            for m in ["accuracy_threshold", "f1_threshold"] {
                let want = f.refDouble("pair_classification.\(fn).\(m)")
                thresholds.add("\(fn).\(m) (relative)", got: r[fn]![m]!.double! / want, want: 1)
            }
        }
        for m in ["accuracy", "f1", "ap"] {
            exact.add("max.\(m)", got: r["max"]![m]!.double!, want: f.refDouble("pair_classification.max.\(m)"))
        }
        exact.report()
        thresholds.report()
        #expect(exact.maxDifference <= 1e-9)
        // float32 midpoints of float32-emulated scores: 7 of 8 equal mteb's bit for bit; numpy's float32
        // summation order is not reproduced, so allow one float32 ulp-scale difference.
        #expect(thresholds.maxDifference <= 1e-6)
        print("  thresholds equal to mteb bit for bit: \(thresholds.rows.filter { $0.1 == 1 }.count) of \(thresholds.rows.count)")
    }

    @Test(.enabled(if: ReferenceFixtures.available, ReferenceFixtures.missingMessage)) func reranking() throws {
        let f = try #require(ReferenceFixtures.shared)
        let samples = (f.fx("reranking") as! [[String: Any]]).map {
            RerankingSample(query: $0["query"] as! String, positive: $0["positive"] as! [String], negative: $0["negative"] as! [String])
        }
        let r = try RerankingEvaluation.evaluate(samples, cache: f.cache())
        var a = Agreement("reranking (40 samples + 1 dropped)")
        a.add("map", got: r["map"]!.double!, want: f.refDouble("reranking.map"))
        a.add("mrr", got: r["mrr"]!.double!, want: f.refDouble("reranking.mrr"))
        a.report()
        #expect(a.maxDifference <= 1e-9)
    }

    @Test(.enabled(if: ReferenceFixtures.available, ReferenceFixtures.missingMessage)) func retrieval() throws {
        let f = try #require(ReferenceFixtures.shared)
        let corpusDict = f.fx("retrieval.corpus") as! [String: [String: String]]
        let corpus = corpusDict.keys.sorted().map { RetrievalData.Document(id: $0, title: corpusDict[$0]!["title"], text: corpusDict[$0]!["text"]!) }
        let queriesDict = f.fx("retrieval.queries") as! [String: String]
        let queries = queriesDict.keys.sorted().map { (id: $0, text: queriesDict[$0]!) }
        let qrels = f.fx("retrieval.qrels") as! [String: [String: Int]]
        let data = RetrievalData(corpus: corpus, queries: queries, qrels: qrels)
        let r = try RetrievalEvaluation.evaluate(data, cache: f.cache())
        // Documents as one chunk each score exactly as documents.
        let cache = f.cache()
        let oneChunk = try RetrievalEvaluation.evaluate(data, cache: cache, chunks: { try cache.embeddings($0).map { [$0] } })
        #expect(oneChunk.serialized() == r.serialized())
        var a = Agreement("retrieval (1201 docs, 50 queries), 5-decimal values")
        let ref = (f.ref("retrieval.scores") as! [String: Any]).mapValues(asDouble)
        for key in ref.keys.sorted() {
            a.add(key, got: r[key]!.double!, want: ref[key]!)
        }
        a.report()
        #expect(a.rows.count == 30)
        #expect(a.maxDifference == 0)
        #expect(r["main_score"]!.double == ref["ndcg_at_10"])
    }

    /// The captured mteb top-1000 run (float32 scores) through the trec_eval re-implementation alone.
    @Test(.enabled(if: ReferenceFixtures.available, ReferenceFixtures.missingMessage)) func retrievalMetricsOnCapturedRun() throws {
        let f = try #require(ReferenceFixtures.shared)
        let captured = (f.ref("retrieval.run_top1000") as! [String: [String: Any]]).mapValues { $0.mapValues(asDouble) }
        var run: [String: [(id: String, score: Double)]] = [:]
        for (q, docs) in captured { run[q] = docs.filter { $0.key != q }.map { (id: $0.key, score: $0.value) } }
        let r = RetrievalEvaluation.scores(run: run, qrels: f.fx("retrieval.qrels") as! [String: [String: Int]])
        let ref = (f.ref("retrieval.scores") as! [String: Any]).mapValues(asDouble)
        var a = Agreement("retrieval metrics on mteb's captured run")
        for key in ref.keys.sorted() { a.add(key, got: r[key]!.double!, want: ref[key]!) }
        #expect(a.maxDifference == 0)
        print("== retrieval metrics on mteb's captured run: \(a.rows.count) values, max |d| = \(a.maxDifference)")
    }
}
