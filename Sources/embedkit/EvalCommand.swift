import ArgumentParser
import EmbedKit
import EmbedKitEvaluation
import Foundation

/// `embedkit eval <task-type>`: mteb 1.1.1-compatible evaluation of a model on local JSON-lines data.
/// Prints one JSON object (mteb field names, 0–1 scale) on stdout and a table on stderr.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model as mteb 1.1.1 does (STS, pair classification, classification, clustering, reranking, retrieval, bitext mining, summarization).",
        discussion: "Data formats: docs/eval.md. Scores go to stdout as one JSON object; a table and progress go to stderr.")

    enum TaskType: String, ExpressibleByArgument, CaseIterable {
        case sts, pairClassification = "pair-classification", classification, clustering, reranking, retrieval
        case bitextMining = "bitext-mining", summarization
    }

    @Argument(help: "Task type: \(TaskType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var taskType: TaskType

    @Option(name: .long, help: "Model folder or Hugging Face id.")
    var model: String

    @Option(name: .long, help: "Data file (JSON lines) for sts, pair-classification, clustering, reranking, bitext-mining, summarization.")
    var data: String?

    @Option(name: .long, help: "classification: training rows {text,label}.")
    var train: String?
    @Option(name: .long, help: "classification: test rows {text,label}.")
    var test: String?
    @Option(name: .long, help: "classification: number of undersampling experiments (mteb default 10).")
    var nExperiments = 10
    @Option(name: .long, help: "classification: training samples per label (mteb default 8; C-MTEB uses 32).")
    var samplesPerLabel = 8

    @Option(name: .long, help: "retrieval: corpus rows {_id,title?,text}.")
    var corpus: String?
    @Option(name: .long, help: "retrieval: query rows {_id,text}.")
    var queries: String?
    @Option(name: .long, help: "retrieval: qrels, BEIR .tsv or JSON lines {query-id,corpus-id,score}.")
    var qrels: String?

    @Option(name: .long, help: "retrieval: documents as one vector cut at the max length (truncate, mteb's way), or as chunks of --chunk-tokens embedded each alone (independent) or pooled from one pass over the whole document (late); a chunked document scores its best chunk.")
    var chunking: RetrievalChunking = .truncate
    @Option(name: .long, help: "retrieval with --chunking independent|late: tokens per chunk at most.")
    var chunkTokens: Int?
    @Option(name: .long, help: "retrieval with --chunking independent|late: where chunks may end (tokens or sentences).")
    var boundaries: ChunkBoundaryOption = .tokens

    @Option(name: .long, help: PrecisionOption.help)
    var precision: String?

    @Option(name: .long, help: "sts, summarization: lowest gold score (normalisation).")
    var minScore = 0.0
    @Option(name: .long, help: "sts, summarization: highest gold score (normalisation).")
    var maxScore = 5.0
    @Flag(name: .long, help: "summarization: the mean of the correlations alone (mteb ≥ 1.14.4); by default each value is mteb 1.1.1's mean of (statistic + p-value) / 2, as the model cards of that time report.")
    var statisticOnly = false

    @Flag(name: .long, help: "reranking: --model is a cross-encoder; candidates are ranked by its scores instead of by cosine similarity of embeddings.")
    var crossEncoder = false

    @Option(name: .long, help: "clustering: MiniBatchKMeans batch size (mteb: 500).")
    var clusteringBatchSize = 500

    @Option(name: .long, help: "Texts per forward pass.")
    var batchSize = 32
    @Option(name: .long, help: "Token limit per text (default: the model's max_seq_length).")
    var maxLength: Int?

    @Option(name: .long, help: "Write mteb's results JSON to DIR/<task-name>.json.")
    var save: String?
    @Option(name: .long, help: "Task name for --save (default: the data file name without extension).")
    var taskName: String?
    @Option(name: .long, help: "Split name for --save.")
    var split = "test"

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        switch taskType {
        case .sts, .pairClassification, .clustering, .reranking, .bitextMining, .summarization:
            if data == nil { throw ValidationError("\(taskType.rawValue) needs --data FILE") }
        case .classification:
            if train == nil || test == nil { throw ValidationError("classification needs --train FILE and --test FILE") }
            guard nExperiments >= 1, samplesPerLabel >= 1 else { throw ValidationError("--n-experiments and --samples-per-label must be at least 1") }
        case .retrieval:
            if corpus == nil || queries == nil || qrels == nil { throw ValidationError("retrieval needs --corpus, --queries and --qrels") }
        }
        if chunking != .truncate {
            guard taskType == .retrieval else { throw ValidationError("--chunking applies to retrieval only") }
            guard let n = chunkTokens, n >= 1 else { throw ValidationError("--chunking \(chunking.rawValue) needs --chunk-tokens N (N ≥ 1)") }
        } else if chunkTokens != nil {
            throw ValidationError("--chunk-tokens needs --chunking independent or late")
        }
        if crossEncoder && taskType != .reranking { throw ValidationError("--cross-encoder applies to reranking only") }
        if statisticOnly && taskType != .summarization { throw ValidationError("--statistic-only applies to summarization only") }
        if (taskType == .sts || taskType == .summarization) && !(maxScore > minScore) { throw ValidationError("--max-score must exceed --min-score") }
        if clusteringBatchSize < 1 { throw ValidationError("--clustering-batch-size must be at least 1") }
    }

    /// Data and model errors (EvaluationError, EmbedKitError) are reported by their descriptions.
    func run() async throws {
        try await evaluate()
    }

    private func evaluate() async throws {
        // Read the data first, so a bad file fails before the model loads.
        enum Loaded {
            case sts(STSData), pair(PairClassificationData), classification(ClassificationData)
            case clustering([ClusteringSet]), reranking([RerankingSample]), retrieval(RetrievalData)
            case bitext(BitextMiningData), summarization([SummarizationSample])
        }
        let loaded: Loaded
        switch taskType {
        case .sts: loaded = .sts(try DataFiles.sts(path: data!, minScore: minScore, maxScore: maxScore))
        case .pairClassification: loaded = .pair(try DataFiles.pairClassification(path: data!))
        case .classification:
            loaded = .classification(try DataFiles.classification(train: train!, test: test!, experiments: nExperiments, samplesPerLabel: samplesPerLabel))
        case .clustering: loaded = .clustering(try DataFiles.clustering(path: data!))
        case .reranking: loaded = .reranking(try DataFiles.reranking(path: data!))
        case .retrieval: loaded = .retrieval(try DataFiles.retrieval(corpus: corpus!, queries: queries!, qrels: qrels!))
        case .bitextMining: loaded = .bitext(try DataFiles.bitextMining(path: data!))
        case .summarization: loaded = .summarization(try DataFiles.summarization(path: data!))
        }

        if crossEncoder, case .reranking(let samples) = loaded {
            try await rerankWithCrossEncoder(samples)
            return
        }
        let embeddingModel = try await EmbeddingModel.load(model, precision: try PrecisionOption.resolve(precision))
        EvalCommand.log("precision \(embeddingModel.info.precision)")
        let options = EncodeOptions(batchSize: batchSize, maxLength: maxLength)
        let start = Date()
        let cache = EmbeddingCache(chunkSize: max(batchSize * 32, 256), progress: { done, total in
            EvalCommand.log("embedded \(done)/\(total) texts (\(Int(Date().timeIntervalSince(start)))s)")
        }) { texts in try embeddingModel.encode(texts, options: options) }
        let stepProgress: (String) -> (Int, Int) -> Void = { what in { i, n in EvalCommand.log("\(what) \(i)/\(n)") } }

        let result: ResultJSON
        switch loaded {
        case .sts(let d): result = try STSEvaluation.evaluate(d, cache: cache)
        case .pair(let d): result = try PairClassificationEvaluation.evaluate(d, cache: cache)
        case .classification(let d): result = try ClassificationEvaluation.evaluate(d, cache: cache, progress: stepProgress("experiment")).result
        case .clustering(let d):
            result = try ClusteringEvaluation.evaluate(d, cache: cache, batchSize: clusteringBatchSize, progress: stepProgress("clustering set")).result
        case .reranking(let d): result = try RerankingEvaluation.evaluate(d, cache: cache)
        case .bitext(let d): result = try BitextMiningEvaluation.evaluate(d, cache: cache)
        case .summarization(let d):
            result = try SummarizationEvaluation.evaluate(d, minScore: minScore, maxScore: maxScore, statisticOnly: statisticOnly, cache: cache)
        case .retrieval(let d):
            if let pooling = chunking.pooling, let chunkTokens {
                let chunkingOptions = ChunkingOptions(chunkTokens: chunkTokens, boundaries: boundaries.boundaries, pooling: pooling)
                var documentOptions = options
                documentOptions.progress = { done, total in EvalCommand.log("chunked \(done)/\(total) inputs") }
                result = try RetrievalEvaluation.evaluate(d, cache: cache, chunks: { texts in
                    try embeddingModel.chunk(texts, chunking: chunkingOptions, options: documentOptions).map { $0.map(\.embedding) }
                }, progress: stepProgress("queries searched"))
            } else {
                result = try RetrievalEvaluation.evaluate(d, cache: cache, progress: stepProgress("queries searched"))
            }
        }
        try report(result, elapsed: Date().timeIntervalSince(start), embedded: cache.count)
    }

    /// `reranking --cross-encoder`: each sample's candidates scored against its query by the cross-encoder.
    private func rerankWithCrossEncoder(_ samples: [RerankingSample]) async throws {
        let reranker = try await CrossEncoder.load(model, precision: try PrecisionOption.resolve(precision))
        EvalCommand.log("cross-encoder, precision \(try PrecisionOption.resolve(precision).rawValue)")
        let start = Date()
        var pairs = 0
        let result = try RerankingEvaluation.evaluate(samples) { query, documents in
            pairs += documents.count
            return try reranker.predict(documents.map { (query, $0) }, batchSize: batchSize).map(Double.init)
        }
        try report(result, elapsed: Date().timeIntervalSince(start), embedded: pairs)
    }

    /// Prints the scores (stdout), a table (stderr), and saves mteb's results JSON when asked.
    private func report(_ result: ResultJSON, elapsed: TimeInterval, embedded: Int) throws {
        print(result.serialized())
        var table = "\(taskType.rawValue) — \(model) (\(String(format: "%.1f", elapsed)) s, \(embedded) \(crossEncoder ? "pairs scored" : "texts embedded"))\n"
        for (k, v) in MTEBResults.table(result) {
            table += "  " + k.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: "%8.4f", v) + "\n"
        }
        FileHandle.standardError.write(Data(table.utf8))

        if let save {
            let name = taskName ?? defaultTaskName()
            let doc = MTEBResults.document(taskName: name, split: split, taskType: taskType.rawValue, scores: result, evaluationTime: elapsed)
            let path = try MTEBResults.save(doc, taskName: name, folder: save)
            EvalCommand.log("saved \(path)")
        }
    }

    private func defaultTaskName() -> String {
        let file = data ?? test ?? corpus ?? taskType.rawValue
        return URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
    }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// `eval retrieval --chunking`: how documents become vectors.
enum RetrievalChunking: String, ExpressibleByArgument, CaseIterable {
    case truncate, independent, late
    var pooling: ChunkPooling? {
        switch self {
        case .truncate: return nil
        case .independent: return .independent
        case .late: return .late
        }
    }
}
