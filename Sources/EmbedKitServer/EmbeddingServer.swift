import Foundation
import EmbedKit
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The OpenAI- and TEI-compatible HTTP server. It listens at once and loads the model in the
/// background (`/health` answers 503 until it is ready).
///
/// ```
/// let server = EmbeddingServer(configuration: config) { try await EmbeddingModel.load("dmeta-tiny") }
/// try await server.run()   // until SIGTERM / SIGINT, then finishes in-flight requests
/// ```
public struct EmbeddingServer: Sendable {
    public let configuration: ServerConfiguration
    let logger: Logger
    let loadBackend: @Sendable () async throws -> any EmbeddingBackend
    let phase = Locked<ServerPhase>(.loading)
    let metrics = ServerMetrics()

    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "embedkit.server"),
                loadBackend: @escaping @Sendable () async throws -> any EmbeddingBackend) {
        self.configuration = configuration
        self.logger = logger
        self.loadBackend = loadBackend
    }

    /// Runs until one of `gracefulShutdownSignals` arrives, `shutdown` is triggered, or the task is
    /// cancelled. A graceful shutdown stops accepting connections, finishes requests in flight, then
    /// stops the batch worker. `onListening` gets the bound port (useful with port 0).
    /// `services` run beside the server and stop after it (e.g. an OpenTelemetry exporter, which then
    /// flushes the last spans).
    public func run(gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
                    shutdown: ShutdownTrigger? = nil, services: [any Service] = [],
                    onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = makeApplication(onListening: onListening)
        let group = ServiceGroup(configuration: .init(
            services: services + [app],
            gracefulShutdownSignals: gracefulShutdownSignals, logger: logger))
        shutdown?.attach { await group.triggerGracefulShutdown() }
        try await group.run()
    }

    func makeApplication(onListening: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let handlers = Handlers(
            configuration: configuration, phase: phase, metrics: metrics,
            bodyReader: RequestBodyReader(maxBytes: configuration.maxRequestBytes, timeout: configuration.bodyReadTimeout))
        let router = Router(context: BasicRequestContext.self)
        // One span per request (a no-op unless a tracer is bootstrapped: `embedkit serve --otel-traces`),
        // parent of the request's "tokenize", "queue" and "forward" spans.
        router.add(middleware: TracingMiddleware())
        router.add(middleware: ErrorAndMetricsMiddleware(metrics: metrics))
        if let key = configuration.apiKey, !key.isEmpty {
            router.add(middleware: BearerAuthMiddleware(apiKey: key))
        }
        router.add(middleware: ConcurrencyLimitMiddleware(
            limit: configuration.admittedConcurrentRequests, inFlight: Locked(0), metrics: metrics))

        for route in Routes.all {
            router.on(RouterPath(route.path), method: route.method) { request, _ in try await route.handler(handlers, request) }
        }

        let idle = configuration.idleTimeout.components
        let idleTimeout = TimeAmount.nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000)
        let host = configuration.host
        let logger = self.logger
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: idleTimeout)),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: nil),
            services: [ModelService(server: self)],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("listening on http://\(host):\(port)")
                await onListening(port)
            },
            logger: logger)
    }
}

/// Lets a caller (a test, an embedding app) ask a running server to shut down gracefully.
public final class ShutdownTrigger: @unchecked Sendable {
    private let action = Locked<(@Sendable () async -> Void)?>(nil)

    public init() {}

    func attach(_ f: @escaping @Sendable () async -> Void) { action.withLock { $0 = f } }

    /// Stops accepting connections, finishes requests in flight, then returns from `run`.
    public func trigger() async { await action.current?() }
}

/// Loads the model, runs the batch worker, and on shutdown lets it finish its queue. Listed before the
/// HTTP server, so a graceful shutdown stops the HTTP server (waiting for requests in flight) first.
struct ModelService: Service {
    let server: EmbeddingServer

    func run() async throws {
        let backend: any EmbeddingBackend
        let start = ContinuousClock.now
        do {
            backend = try await server.loadBackend()
        } catch {
            server.phase.withLock { $0 = .failed("\(error)") }
            server.logger.error("model failed to load", metadata: ["error": "\(error)"])
            throw error
        }
        let configuration = server.configuration
        let modelMax = backend.info.maxSequenceLength
        let maxInputTokens = min(configuration.maxInputTokens ?? modelMax, modelMax)
        let memory: MemoryBudget
        do {
            let (limit, source) = configuration.memoryLimit
            memory = try MemoryBudget.plan(limit: limit, baseline: ProcessMemory.resident ?? 0, backend: backend,
                                           maxBatchTokens: configuration.maxBatchTokens, maxInputTokens: maxInputTokens)
            server.logger.info("memory budget (\(source)): \(memory)")
            if memory.batchTokens < configuration.maxBatchTokens {
                server.logger.notice("--max-batch-tokens \(configuration.maxBatchTokens) lowered to \(memory.batchTokens) to fit the memory budget")
            }
            if memory.inputTokens < maxInputTokens {
                server.logger.warning("inputs longer than \(memory.inputTokens) tokens cannot fit the memory budget and will get 413 (the model takes \(maxInputTokens))")
            }
            if configuration.admittedConcurrentRequests < configuration.maxConcurrentRequests {
                server.logger.notice("--max-concurrent-requests \(configuration.maxConcurrentRequests) lowered to \(configuration.admittedConcurrentRequests): request bodies of up to \(configuration.maxRequestBytes) bytes must fit an eighth of the memory budget")
            }
        } catch {
            server.phase.withLock { $0 = .failed("\(error)") }
            server.logger.error("cannot serve within the memory budget", metadata: ["error": "\(error)"])
            throw error
        }
        server.metrics.memoryLimit.set(Int64(memory.limit))
        let budget = BatchBudget(maxTokens: memory.batchTokens, maxInputs: configuration.maxBatchRequests ?? .max)
        let scheduler = BatchScheduler(backend: backend, budget: budget, maxInputTokens: memory.inputTokens, metrics: server.metrics)
        scheduler.start()
        let tokenizers = TokenizationWorkers(
            threads: server.configuration.threads ?? ProcessInfo.processInfo.activeProcessorCount)
        server.phase.withLock {
            $0 = .ready(EngineFront(backend: backend, scheduler: scheduler, tokenizers: tokenizers,
                                    memory: MemoryAdmission(budget: memory, metrics: server.metrics),
                                    maxInputTokens: maxInputTokens, maxInputs: configuration.maxClientBatchSize,
                                    modelName: configuration.servedName(for: backend.info.modelID)))
        }
        server.metrics.modelLoaded.set(Int64(1))
        server.logger.info("model ready", metadata: [
            "model": "\(configuration.servedName(for: backend.info.modelID))", "dimension": "\(backend.info.dimension)",
            "max_input_tokens": "\(maxInputTokens)", "load_time": "\(ContinuousClock.now - start)",
        ])
        // Wait for shutdown (graceful or cancellation), then drain the queue.
        try? await gracefulShutdown()
        server.phase.withLock { $0 = .stopping }
        tokenizers.stop()
        scheduler.stop()
    }
}
