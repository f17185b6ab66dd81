import Foundation
import Testing
import EmbedKitEvaluation

/// STS, pair classification, reranking, retrieval, bitext mining and summarization against mteb 1.1.1 on
/// the shared fixtures.
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

    @Test(.enabled(if: ReferenceFixtures.available, ReferenceFixtures.missingMessage)) func bitextMining() throws {
        let f = try #require(ReferenceFixtures.shared)
        let data = BitextMiningData(aligned: f.fx("bitext.sentence1") as! [String], f.fx("bitext.sentence2") as! [String])
        let r = try BitextMiningEvaluation.evaluate(data, cache: f.cache())
        var a = Agreement("bitext mining (150 pairs)")
        for m in ["accuracy", "precision", "recall", "f1"] { a.add(m, got: r[m]!.double!, want: f.refDouble("bitext.\(m)")) }
        a.report()
        #expect(a.maxDifference <= 1e-12)
        #expect(r["main_score"]!.double == r["f1"]!.double)
        // sklearn's weighting on a hand-checked case: labels 0,0,1,2 predicted 0,1,1,1.
        // label 0: p 1, r 1/2, f 2/3 (weight 1/2); 1: p 1/3, r 1, f 1/2 (1/4); 2: p 0 (never predicted), r 0 (1/4).
        let small = BitextMiningEvaluation.scores(predicted: [0, 1, 1, 1], gold: [0, 0, 1, 2])
        #expect(abs(small["precision"]!.double! - (0.5 + 0.25 / 3)) < 1e-15)
        #expect(abs(small["f1"]!.double! - (1.0 / 3 + 0.125)) < 1e-15)
        #expect(small["accuracy"]!.double! == 0.5)
    }

    @Test(.enabled(if: ReferenceFixtures.available, ReferenceFixtures.missingMessage)) func summarization() throws {
        let f = try #require(ReferenceFixtures.shared)
        let human = f.fx("summarization.human_summaries") as! [[String]]
        let machine = f.fx("summarization.machine_summaries") as! [[String]]
        let relevance = (f.fx("summarization.relevance") as! [Any]).map(asDoubles)
        let samples = (0..<human.count).map {
            SummarizationSample(humanSummaries: human[$0], machineSummaries: machine[$0], relevance: relevance[$0])
        }
        // mteb 1.1.1's values: each the mean of (statistic + p-value) / 2, as the cards of the time report.
        let r = try SummarizationEvaluation.evaluate(samples, cache: f.cache())
        var a = Agreement("summarization (20 texts × 8 machine summaries), with mteb 1.1.1's p-value averaging")
        for fn in ["cos_sim", "dot"] {
            for m in ["spearman", "pearson"] { a.add("\(fn).\(m)", got: r[fn]![m]!.double!, want: f.refDouble("summarization.\(fn).\(m)")) }
        }
        a.report()
        #expect(a.maxDifference <= 1e-6)
        #expect(r["main_score"]!.double == r["cos_sim"]!["spearman"]!.double)
        let fixed = try SummarizationEvaluation.evaluate(samples, statisticOnly: true, cache: f.cache())
        let corrected = asDouble(f.reference["summarization_fixed_cos_spearman(mteb>=1.14.4)"] as Any)  // a key with dots
        #expect(abs(fixed["cos_sim"]!["spearman"]!.double! - corrected) <= 1e-9, "\(fixed) vs \(corrected)")
    }

    /// The p-values against scipy 1.11 (`stats.spearmanr`, `stats.pearsonr`) on values worked out there.
    @Test func pValuesMatchScipy() {
        // scipy.stats.t.sf and beta.cdf identities: n = 8, rho = 0.5 → p = 0.20703124999999997 (pearson) and
        // t = 0.5·√(6/0.75) = √2 → 2·t.sf(√2, 6) = 0.20703125 exactly for ν = 6 (a polynomial in 1/(1+t²/ν)).
        #expect(abs(pearsonPValue(0.5, n: 8) - 0.20703125) < 1e-12)
        #expect(abs(spearmanPValue(0.5, n: 8) - 0.20703125) < 1e-12)
        #expect(spearmanPValue(1, n: 8) == 0 && pearsonPValue(-1, n: 8) == 0)
        #expect(abs(pearsonPValue(0, n: 10) - 1) < 1e-12)
        // I_x(1, 1) = x; I_x(a, b) = 1 − I_{1−x}(b, a).
        #expect(abs(regularizedIncompleteBeta(0.3, a: 1, b: 1) - 0.3) < 1e-14)
        #expect(abs(regularizedIncompleteBeta(0.7, a: 2.5, b: 4) + regularizedIncompleteBeta(0.3, a: 4, b: 2.5) - 1) < 1e-14)
    }
}
