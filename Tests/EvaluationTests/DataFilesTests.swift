import Foundation
import Testing
import EmbedKitEvaluation

/// Data-file readers, typed errors, result JSON and the mteb results layout.
@Suite struct DataFilesTests {
    func temp(_ name: String, _ content: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("embedkit-eval-tests-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(content.utf8).write(to: url)
        return url.path
    }

    @Test func stsRowsAndErrors() throws {
        let ok = try temp("sts.jsonl", "{\"sentence1\": \"a\", \"sentence2\": \"b\", \"score\": 2.5}\n\n{\"sentence1\": \"c\", \"sentence2\": \"d\", \"score\": 5}\n")
        let d = try DataFiles.sts(path: ok)
        #expect(d.sentence1 == ["a", "c"] && d.score == [2.5, 5])
        let bad = try temp("sts-bad.jsonl", "{\"sentence1\": \"a\", \"sentence2\": \"b\", \"score\": 1}\n{\"sentence1\": \"a\", \"score\": 1}\n")
        #expect(throws: EvaluationError.invalidData(file: bad, line: 2, reason: "missing field \"sentence2\"")) { try DataFiles.sts(path: bad) }
        #expect(throws: EvaluationError.self) { try DataFiles.sts(path: "/nonexistent/file.jsonl") }
    }

    @Test func stringLabelsAreEncodedInSortedOrder() throws {
        let train = try temp("train.jsonl", "{\"text\": \"x\", \"label\": \"pos\"}\n{\"text\": \"y\", \"label\": \"neg\"}\n")
        let test = try temp("test.jsonl", "{\"text\": \"z\", \"label\": \"pos\"}\n")
        let d = try DataFiles.classification(train: train, test: test)
        #expect(d.trainLabels == [1, 0] && d.testLabels == [1])
    }

    @Test func pairLabelsMustBeBinary() throws {
        let bad = try temp("pc.jsonl", "{\"sentence1\": \"a\", \"sentence2\": \"b\", \"label\": 2}\n")
        #expect(throws: EvaluationError.self) { try DataFiles.pairClassification(path: bad) }
    }

    @Test func retrievalWithTSVQrels() throws {
        let corpus = try temp("corpus.jsonl", "{\"_id\": \"d1\", \"title\": \"T\", \"text\": \"one\"}\n{\"_id\": \"d2\", \"text\": \"two\"}\n")
        let queries = try temp("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"first\"}\n")
        let qrels = try temp("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td2\t1\n")
        let d = try DataFiles.retrieval(corpus: corpus, queries: queries, qrels: qrels)
        #expect(d.corpus.count == 2 && d.corpus[0].title == "T" && d.qrels == ["q1": ["d2": 1]])
    }

    @Test func retrievalEndToEndWithToyEmbeddings() throws {
        // d2 is nearest to q1; d1 is orthogonal; q1's own id in the corpus must be skipped.
        let table: [String: [Float]] = ["first": [1, 0], "T one": [0, 1], "two": [0.9, 0.1], "self": [1, 0]]
        let cache = EmbeddingCache { $0.map { table[$0]! } }
        let data = RetrievalData(corpus: [.init(id: "d1", title: "T", text: "one"), .init(id: "d2", text: "two"), .init(id: "q1", text: "self")],
                                 queries: [(id: "q1", text: "first")], qrels: ["q1": ["d2": 1]])
        let r = try RetrievalEvaluation.evaluate(data, cache: cache)
        #expect(r["ndcg_at_1"]?.double == 1 && r["precision_at_3"]?.double == 0.33333 && r["mrr_at_10"]?.double == 1)
    }

    @Test func cacheEmbedsEachTextOnceAndChecksCounts() throws {
        var calls: [[String]] = []
        let cache = EmbeddingCache(chunkSize: 2) { texts in calls.append(texts); return texts.map { [Float($0.count)] } }
        _ = try cache.embeddings(["a", "bb", "a", "ccc"])
        _ = try cache.embeddings(["bb", "dddd"])
        #expect(calls == [["a", "bb"], ["ccc"], ["dddd"]])
        let broken = EmbeddingCache { _ in [] }
        #expect(throws: EvaluationError.embeddingCountMismatch(expected: 1, got: 0)) { try broken.embeddings(["x"]) }
    }

    @Test func pythonRoundingAndResultsLayout() throws {
        #expect([0.5, 1.5, 2.5].map { pythonRound($0, digits: 0) } == [0, 2, 2])  // half to even, as Python
        #expect(pythonRound(2.675, digits: 2) == 2.67)  // 2.675 is 2.67499999… in binary, as Python rounds it
        let scores = ResultJSON.object([("cos_sim", .object([("pearson", .number(0.5)), ("spearman", .number(0.25))])), ("main_score", .number(0.25))])
        let doc = MTEBResults.document(taskName: "STSBenchmark", split: "test", taskType: "sts", scores: scores, evaluationTime: 1.234)
        #expect(doc.serialized() == #"{"mteb_version":"1.1.1","dataset_revision":null,"mteb_dataset_name":"STSBenchmark","test":{"cos_sim":{"pearson":0.5,"spearman":0.25},"evaluation_time":1.23}}"#)
    }
}
