import ArgumentParser
import EmbedKit
import EmbedKitServer
import Foundation
import Logging
import OTel
import ServiceLifecycle

/// `embedkit serve`: the OpenAI- and TEI-compatible HTTP server. Every option can also come from an
/// `EMBEDKIT_*` environment variable (the flag wins).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over HTTP: OpenAI /v1/embeddings and TEI /embed, /tokenize, /info, /health, /metrics.",
        discussion: """
            Each option may also be set with an environment variable: EMBEDKIT_MODEL, EMBEDKIT_HOST, EMBEDKIT_PORT, \
            EMBEDKIT_API_KEY, EMBEDKIT_MAX_BATCH_TOKENS, EMBEDKIT_MAX_BATCH_REQUESTS, EMBEDKIT_MAX_CONCURRENT_REQUESTS, EMBEDKIT_MAX_INPUT_TOKENS, \
            EMBEDKIT_MAX_CLIENT_BATCH_SIZE, EMBEDKIT_MAX_REQUEST_BYTES, EMBEDKIT_MAX_MEMORY, EMBEDKIT_AUTO_TRUNCATE, EMBEDKIT_THREADS, \
            EMBEDKIT_READ_TIMEOUT, EMBEDKIT_IDLE_TIMEOUT, EMBEDKIT_OTEL_TRACES. SIGTERM / SIGINT stop the server after the requests in flight.
            """)

    @Option(help: "Model folder or Hugging Face Hub id (org/name[@revision]). [EMBEDKIT_MODEL]")
    var model: String?
    @Option(help: "Address to listen on. [EMBEDKIT_HOST, default 127.0.0.1]")
    var host: String?
    @Option(help: "Port (0: any free port). [EMBEDKIT_PORT, default 8080]")
    var port: Int?
    @Option(name: .customLong("api-key"), help: "Require 'Authorization: Bearer KEY' on every route but /health. [EMBEDKIT_API_KEY]")
    var apiKey: String?
    @Option(help: "Tokens per forward pass (the engine never pads). [EMBEDKIT_MAX_BATCH_TOKENS, default 16384]")
    var maxBatchTokens: Int?
    @Option(help: "Inputs per forward pass. [EMBEDKIT_MAX_BATCH_REQUESTS, default: no limit]")
    var maxBatchRequests: Int?
    @Option(help: "Requests handled at once; more get 429. [EMBEDKIT_MAX_CONCURRENT_REQUESTS, default 512]")
    var maxConcurrentRequests: Int?
    @Option(help: "Tokens per input; longer inputs get 413 unless truncated. [EMBEDKIT_MAX_INPUT_TOKENS, default: the model's max_seq_length]")
    var maxInputTokens: Int?
    @Option(help: "Inputs per request (OpenAI's limit). [EMBEDKIT_MAX_CLIENT_BATCH_SIZE, default 2048]")
    var maxClientBatchSize: Int?
    @Option(help: "Request body limit in bytes. [EMBEDKIT_MAX_REQUEST_BYTES, default 2097152]")
    var maxRequestBytes: Int?
    @Option(help: "Resident memory the server may use, e.g. 2GB, 1.5GiB, 800Mi: forward passes, requests in flight and request bodies are admitted within it (503 with Retry-After beyond; 413 for an input that can never fit). [EMBEDKIT_MAX_MEMORY, default: 80% of the cgroup limit or RAM]")
    var maxMemory: String?
    @Option(help: "The model name in /v1/models, /info and every response. [EMBEDKIT_SERVED_MODEL_NAME, default: the Hub id, or the model folder's name]")
    var servedModelName: String?
    @Flag(help: "Truncate over-long inputs unless a request says otherwise (default: 413). [EMBEDKIT_AUTO_TRUNCATE=1]")
    var autoTruncate = false
    @Option(help: PrecisionOption.help)
    var precision: String?
    @Option(help: "Reference outputs (golden.json format, see `embedkit verify`): check the model against them after loading and refuse to serve on a difference. [EMBEDKIT_VERIFY]")
    var verify: String?
    @Option(help: "Engine and tokenization threads. [EMBEDKIT_THREADS, default: all cores]")
    var threads: Int?
    @Flag(help: "Export OpenTelemetry traces (request → tokenize → queue → forward) over OTLP; the standard OTEL_EXPORTER_OTLP_* variables say where (default http://localhost:4318). [EMBEDKIT_OTEL_TRACES=1, default off]")
    var otelTraces = false
    @Option(help: "Seconds allowed to read a request body (408 after). [EMBEDKIT_READ_TIMEOUT, default 30]")
    var readTimeout: Double?
    @Option(help: "Seconds before an idle connection is closed. [EMBEDKIT_IDLE_TIMEOUT, default 60]")
    var idleTimeout: Double?

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        func value<T: LosslessStringConvertible>(_ flag: T?, _ name: String) throws -> T? {
            if let flag { return flag }
            guard let raw = env[name], !raw.isEmpty else { return nil }
            guard let v = T(raw) else { throw ValidationError("\(name)=\(raw) is not a valid value") }
            return v
        }
        func positive(_ v: Int?, _ what: String) throws -> Int? {
            if let v, v < 1 { throw ValidationError("--\(what) must be at least 1, got \(v)") }
            return v
        }
        /// A flag, or its variable set to 1, true or yes.
        func enabled(_ flag: Bool, _ name: String) -> Bool {
            flag || ["1", "true", "yes"].contains(env[name]?.lowercased() ?? "")
        }

        guard let modelID = try value(model, "EMBEDKIT_MODEL") else {
            throw ValidationError("give --model <folder or hub id> (or set EMBEDKIT_MODEL)")
        }
        var config = ServerConfiguration()
        config.host = try value(host, "EMBEDKIT_HOST") ?? config.host
        config.port = try value(port, "EMBEDKIT_PORT") ?? config.port
        guard (0...65535).contains(config.port) else { throw ValidationError("--port must be in 0...65535") }
        config.apiKey = try value(apiKey, "EMBEDKIT_API_KEY")
        config.maxBatchTokens = try positive(value(maxBatchTokens, "EMBEDKIT_MAX_BATCH_TOKENS"), "max-batch-tokens") ?? config.maxBatchTokens
        config.maxBatchRequests = try positive(value(maxBatchRequests, "EMBEDKIT_MAX_BATCH_REQUESTS"), "max-batch-requests")
        config.maxConcurrentRequests = try positive(value(maxConcurrentRequests, "EMBEDKIT_MAX_CONCURRENT_REQUESTS"),
                                                    "max-concurrent-requests") ?? config.maxConcurrentRequests
        config.maxInputTokens = try positive(value(maxInputTokens, "EMBEDKIT_MAX_INPUT_TOKENS"), "max-input-tokens")
        config.maxClientBatchSize = try positive(value(maxClientBatchSize, "EMBEDKIT_MAX_CLIENT_BATCH_SIZE"),
                                                 "max-client-batch-size") ?? config.maxClientBatchSize
        config.maxRequestBytes = try positive(value(maxRequestBytes, "EMBEDKIT_MAX_REQUEST_BYTES"), "max-request-bytes")
            ?? config.maxRequestBytes
        if let raw = try value(maxMemory, "EMBEDKIT_MAX_MEMORY") {
            guard let bytes = ByteSize.parse(raw), bytes > 0 else {
                throw ValidationError("--max-memory takes a size such as 2GB, 1.5GiB or 800Mi, got '\(raw)'")
            }
            config.maxMemory = bytes
        }
        config.autoTruncate = enabled(autoTruncate, "EMBEDKIT_AUTO_TRUNCATE")
        config.servedModelName = try value(servedModelName, "EMBEDKIT_SERVED_MODEL_NAME")
        config.threads = try positive(value(threads, "EMBEDKIT_THREADS"), "threads")
        if let s = try value(readTimeout, "EMBEDKIT_READ_TIMEOUT") {
            guard s > 0 else { throw ValidationError("--read-timeout must be positive") }
            config.bodyReadTimeout = .milliseconds(Int64(s * 1000))
        }
        if let s = try value(idleTimeout, "EMBEDKIT_IDLE_TIMEOUT") {
            guard s > 0 else { throw ValidationError("--idle-timeout must be positive") }
            config.idleTimeout = .milliseconds(Int64(s * 1000))
        }

        var logger = Logger(label: "embedkit.serve")
        logger.logLevel = Logger.Level(rawValue: env["LOG_LEVEL"] ?? "") ?? .info
        let threads = config.threads
        let chosen = try PrecisionOption.resolve(precision)
        let reference = try value(verify, "EMBEDKIT_VERIFY").map { try ReferenceOutputs.load(URL(fileURLWithPath: $0)) }
        let serveLogger = logger
        let server = EmbeddingServer(configuration: config, logger: logger) { () async throws -> any EmbeddingBackend in
            _ = try chosen.resolved()   // an unsupported precision fails before any download
            let folder = try await EmbeddingModel.folder(modelID)
            // A cross-encoder is served on the reranker routes (/rerank, /v1/rerank).
            if CrossEncoder.isCrossEncoder(folder: folder) {
                if reference != nil { throw ValidationError("--verify checks embeddings; \(modelID) is a cross-encoder (a reranker)") }
                return try CrossEncoder.load(folder: folder, modelID: modelID, threads: threads, precision: chosen)
            }
            // bge-m3 (its colbert_linear.pt and sparse_linear.pt beside the encoder) is served whole; with
            // --verify, as the sentence-transformers model it also is (dense vectors only).
            if reference == nil, BGEM3.isM3(folder: folder) {
                return try BGEM3.load(folder: folder, modelID: modelID, threads: threads, precision: chosen)
            }
            // A SPLADE model is served on /embed_sparse.
            if SparseEncoder.isSparseEncoder(folder: folder) {
                if reference != nil { throw ValidationError("--verify checks dense embeddings; \(modelID) is a sparse encoder (SPLADE)") }
                return try SparseEncoder.load(folder: folder, modelID: modelID, threads: threads, precision: chosen)
            }
            let model = try EmbeddingModel.load(folder: folder, modelID: modelID, threads: threads, precision: chosen)
            if let reference {
                let report = try model.verify(against: reference, minimumCosine: model.defaultVerificationCosine)
                guard report.passed else { throw VerificationFailed(report: report) }
                serveLogger.info("verified against the reference: worst |Δ| \(report.worstAbsDiff) over \(report.vectorsChecked) vectors")
            }
            return model
        }
        let tracing = enabled(otelTraces, "EMBEDKIT_OTEL_TRACES")
        let services: [any Service] = tracing ? [try TraceExport.bootstrap()] : []
        if tracing { logger.info("exporting OpenTelemetry traces to \(env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? env["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "http://localhost:4318")") }
        try await server.run(services: services)
    }
}

/// `serve --verify`: the model differs from its reference; the server does not start.
struct VerificationFailed: Error, CustomStringConvertible {
    let report: VerificationReport
    var description: String { "the model does not match its reference; not serving\n" + report.summary }
}

/// `serve --otel-traces`: OpenTelemetry traces of each request (HTTP → tokenize → queue → forward)
/// exported over OTLP by swift-otel. Where and how come from the standard variables
/// (`OTEL_EXPORTER_OTLP_ENDPOINT`, default http://localhost:4318 over HTTP; `OTEL_EXPORTER_OTLP_PROTOCOL`
/// http/protobuf or http/json — swift-otel is built without its gRPC exporter; `OTEL_SERVICE_NAME`, default embedkit; `OTEL_TRACES_SAMPLER`...).
/// Logs and metrics stay where they are (stderr, `/metrics`).
enum TraceExport {
    static func bootstrap() throws -> any Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = "embedkit"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        return try OTel.bootstrap(configuration: configuration)
    }
}
