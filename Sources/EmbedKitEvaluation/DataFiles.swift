import Foundation

/// Readers for the JSON-lines data files of `embedkit eval` (formats in docs/eval.md).
/// Every bad line raises `EvaluationError.invalidData` with the file and line number.
public enum DataFiles {
    /// A class label written as a JSON integer, string or boolean.
    enum Label: Decodable, Hashable, Comparable {
        case int(Int), string(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .int(i) }
            else if let b = try? c.decode(Bool.self) { self = .int(b ? 1 : 0) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "a label must be an integer, string or boolean") }
        }
        static func < (a: Label, b: Label) -> Bool {
            switch (a, b) {
            case (.int(let x), .int(let y)): return x < y
            case (.string(let x), .string(let y)): return x < y
            case (.int, .string): return true
            case (.string, .int): return false
            }
        }
    }

    /// Decodes every non-blank line of `path` as `T`.
    static func rows<T: Decodable>(_ type: T.Type, path: String) throws -> [T] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError.invalidData(file: path, line: nil, reason: "cannot read the file")
        }
        let decoder = JSONDecoder()
        var out: [T] = []
        var line = 0
        for bytes in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            line += 1
            if bytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            do {
                out.append(try decoder.decode(T.self, from: Data(bytes)))
            } catch let DecodingError.keyNotFound(key, _) {
                throw EvaluationError.invalidData(file: path, line: line, reason: "missing field \"\(key.stringValue)\"")
            } catch let DecodingError.typeMismatch(_, ctx) {
                throw EvaluationError.invalidData(file: path, line: line, reason: "wrong type for \"\(ctx.codingPath.map(\.stringValue).joined(separator: "."))\"")
            } catch {
                throw EvaluationError.invalidData(file: path, line: line, reason: "not a valid JSON object of the expected shape")
            }
        }
        if out.isEmpty { throw EvaluationError.invalidData(file: path, line: nil, reason: "the file has no rows") }
        return out
    }

    /// Maps labels to integers: integer labels stay as they are; string labels become their sorted index.
    static func encodeLabels(_ groups: [[Label]]) -> [[Int]] {
        let all = Set(groups.joined())
        if all.allSatisfy({ if case .int = $0 { return true } else { return false } }) {
            return groups.map { $0.map { if case .int(let i) = $0 { return i } else { return 0 } } }
        }
        let index = Dictionary(uniqueKeysWithValues: all.sorted().enumerated().map { ($1, $0) })
        return groups.map { $0.map { index[$0]! } }
    }

    private struct PairRow<S: Decodable>: Decodable { var sentence1: String; var sentence2: String; var value: S
        enum CodingKeys: String, CodingKey { case sentence1, sentence2, score, label }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            sentence1 = try c.decode(String.self, forKey: .sentence1)
            sentence2 = try c.decode(String.self, forKey: .sentence2)
            value = try c.decode(S.self, forKey: S.self == Double.self ? .score : .label)
        }
    }

    /// STS rows `{"sentence1", "sentence2", "score"}`.
    public static func sts(path: String, minScore: Double = 0, maxScore: Double = 5) throws -> STSData {
        let r = try rows(PairRow<Double>.self, path: path)
        return STSData(sentence1: r.map(\.sentence1), sentence2: r.map(\.sentence2), score: r.map(\.value),
                       minScore: minScore, maxScore: maxScore)
    }

    /// Pair-classification rows `{"sentence1", "sentence2", "label"}` with label 0/1 (or false/true).
    public static func pairClassification(path: String) throws -> PairClassificationData {
        let r = try rows(PairRow<Label>.self, path: path)
        var labels: [Int] = []
        for (i, row) in r.enumerated() {
            guard case .int(let l) = row.value, l == 0 || l == 1 else {
                throw EvaluationError.invalidData(file: path, line: nil, reason: "row \(i + 1): label must be 0 or 1")
            }
            labels.append(l)
        }
        return PairClassificationData(sentence1: r.map(\.sentence1), sentence2: r.map(\.sentence2), labels: labels)
    }

    private struct TextRow: Decodable { var text: String; var label: Label }

    /// Classification train and test rows `{"text", "label"}`.
    public static func classification(train: String, test: String, experiments: Int = 10, samplesPerLabel: Int = 8) throws -> ClassificationData {
        let tr = try rows(TextRow.self, path: train), te = try rows(TextRow.self, path: test)
        let labels = encodeLabels([tr.map(\.label), te.map(\.label)])
        return ClassificationData(trainTexts: tr.map(\.text), trainLabels: labels[0], testTexts: te.map(\.text), testLabels: labels[1],
                                  experiments: experiments, samplesPerLabel: samplesPerLabel)
    }

    private struct ClusterRow: Decodable { var sentences: [String]; var labels: [Label] }

    /// Clustering sets, one per line: `{"sentences": [...], "labels": [...]}`.
    public static func clustering(path: String) throws -> [ClusteringSet] {
        let r = try rows(ClusterRow.self, path: path)
        for (i, s) in r.enumerated() where s.sentences.count != s.labels.count {
            throw EvaluationError.invalidData(file: path, line: nil, reason: "set \(i + 1): \(s.sentences.count) sentences but \(s.labels.count) labels")
        }
        return zip(r, encodeLabels(r.map(\.labels))).map { ClusteringSet(sentences: $0.sentences, labels: $1) }
    }

    private struct RerankRow: Decodable { var query: String; var positive: [String]; var negative: [String] }

    /// Reranking rows `{"query", "positive": [...], "negative": [...]}`.
    public static func reranking(path: String) throws -> [RerankingSample] {
        try rows(RerankRow.self, path: path).map { RerankingSample(query: $0.query, positive: $0.positive, negative: $0.negative) }
    }

    private struct BitextRow: Decodable { var sentence1: String?; var sentence2: String }

    /// Bitext rows `{"sentence1", "sentence2"}`: a sentence and its translation. A row with no
    /// `sentence1` adds a target sentence no source points at (BUCC's distractors).
    public static func bitextMining(path: String) throws -> BitextMiningData {
        let r = try rows(BitextRow.self, path: path)
        let paired = r.indices.filter { r[$0].sentence1 != nil }
        if paired.isEmpty { throw EvaluationError.invalidData(file: path, line: nil, reason: "no row has a sentence1") }
        return BitextMiningData(sources: paired.map { r[$0].sentence1! }, targets: r.map(\.sentence2), gold: paired)
    }

    private struct SummaryRow: Decodable {
        var human_summaries: [String]; var machine_summaries: [String]; var relevance: [Double]
    }

    /// Summarization rows `{"human_summaries": [...], "machine_summaries": [...], "relevance": [...]}`
    /// (a `text` field may be present; it is not embedded, as in mteb).
    public static func summarization(path: String) throws -> [SummarizationSample] {
        let r = try rows(SummaryRow.self, path: path)
        for (i, row) in r.enumerated() where row.machine_summaries.count != row.relevance.count || row.human_summaries.isEmpty {
            throw EvaluationError.invalidData(file: path, line: nil, reason: "row \(i + 1): needs human summaries and one relevance per machine summary (\(row.machine_summaries.count) summaries, \(row.relevance.count) scores)")
        }
        return r.map { SummarizationSample(humanSummaries: $0.human_summaries, machineSummaries: $0.machine_summaries, relevance: $0.relevance) }
    }

    private struct IDText: Decodable {
        var id: String; var title: String?; var text: String
        enum CodingKeys: String, CodingKey { case _id, id, title, text }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            guard let i = try c.decodeIfPresent(String.self, forKey: ._id) ?? c.decodeIfPresent(String.self, forKey: .id) else {
                throw DecodingError.keyNotFound(CodingKeys._id, .init(codingPath: [], debugDescription: "no id"))
            }
            id = i
            title = try c.decodeIfPresent(String.self, forKey: .title)
            if title?.isEmpty == true { title = nil }
            text = try c.decode(String.self, forKey: .text)
        }
    }

    private struct QrelRow: Decodable {
        var query: String; var doc: String; var score: Int
        enum CodingKeys: String, CodingKey { case qid = "query-id", pid = "corpus-id", score }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            query = try c.decode(String.self, forKey: .qid)
            doc = try c.decode(String.self, forKey: .pid)
            score = try c.decode(Int.self, forKey: .score)
        }
    }

    /// BEIR-style retrieval data: corpus rows `{"_id", "title"?, "text"}`, query rows `{"_id", "text"}`,
    /// qrels as BEIR TSV (`query-id<TAB>corpus-id<TAB>score`, header optional) or JSON lines with those keys.
    public static func retrieval(corpus: String, queries: String, qrels: String) throws -> RetrievalData {
        let docs = try rows(IDText.self, path: corpus).map { RetrievalData.Document(id: $0.id, title: $0.title, text: $0.text) }
        let qs = try rows(IDText.self, path: queries).map { (id: $0.id, text: $0.text) }
        var judgements: [String: [String: Int]] = [:]
        if qrels.hasSuffix(".tsv") {
            guard let text = try? String(contentsOfFile: qrels, encoding: .utf8) else {
                throw EvaluationError.invalidData(file: qrels, line: nil, reason: "cannot read the file as UTF-8")
            }
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let f = line.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }
                if f.isEmpty || f == [""] { continue }
                guard f.count == 3 else { throw EvaluationError.invalidData(file: qrels, line: n + 1, reason: "expected query-id, corpus-id, score separated by tabs") }
                guard let score = Int(f[2]) else {
                    if n == 0 { continue }  // header
                    throw EvaluationError.invalidData(file: qrels, line: n + 1, reason: "score \"\(f[2])\" is not an integer")
                }
                judgements[f[0], default: [:]][f[1]] = score
            }
        } else {
            for r in try rows(QrelRow.self, path: qrels) { judgements[r.query, default: [:]][r.doc] = r.score }
        }
        return RetrievalData(corpus: docs, queries: qs, qrels: judgements)
    }
}
