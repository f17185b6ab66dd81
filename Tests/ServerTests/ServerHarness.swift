import AsyncHTTPClient
import EmbedKit
import EmbedKitServer
import Foundation
import NIOCore
import NIOHTTP1

/// Starts an `EmbeddingServer` on 127.0.0.1 with an ephemeral port and talks to it with AsyncHTTPClient.
final class ServerHarness: @unchecked Sendable {
    let port: Int
    let client: HTTPClient
    private var task: Task<Void, Error>!

    struct Reply {
        let status: Int
        let body: Data
        let headers: [(String, String)]
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> Any { try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    private init(port: Int) {
        self.port = port
        self.client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    static func start(_ configure: (inout ServerConfiguration) -> Void = { _ in },
                      load: @escaping @Sendable () async throws -> any EmbeddingBackend) async throws -> ServerHarness {
        var config = ServerConfiguration()
        config.host = "127.0.0.1"
        config.port = 0
        configure(&config)
        let server = EmbeddingServer(configuration: config, loadBackend: load)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let trigger = ShutdownTrigger()
        let task = Task {
            defer { continuation.finish() }
            try await server.run(gracefulShutdownSignals: [], shutdown: trigger) { continuation.yield($0) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            _ = try await task.value
            throw HarnessError.didNotStart
        }
        let h = ServerHarness(port: port)
        h.task = task
        h.triggerBox = trigger
        return h
    }

    private var triggerBox: ShutdownTrigger?

    enum HarnessError: Error { case didNotStart }

    /// Graceful shutdown; waits for `run` to return.
    func shutdown() async throws {
        await triggerBox?.trigger()
        try await task.value
        try await client.shutdown()
    }

    func request(_ method: HTTPMethod, _ path: String, body: Data? = nil, headers: [(String, String)] = [],
                 contentType: String? = "application/json") async throws -> Reply {
        var req = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        req.method = method
        if let body {
            req.body = .bytes(ByteBuffer(bytes: body))
            if let contentType { req.headers.add(name: "Content-Type", value: contentType) }
        }
        for (k, v) in headers { req.headers.add(name: k, value: v) }
        let response = try await client.execute(req, timeout: .seconds(60))
        let buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Reply(status: Int(response.status.code), body: Data(buffer.readableBytesView),
                     headers: response.headers.map { ($0.name, $0.value) })
    }

    func post(_ path: String, json: Any, headers: [(String, String)] = []) async throws -> Reply {
        try await request(.POST, path, body: try JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    func post(_ path: String, raw: String, headers: [(String, String)] = []) async throws -> Reply {
        try await request(.POST, path, body: Data(raw.utf8), headers: headers)
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> Reply {
        try await request(.GET, path, headers: headers)
    }

    /// Waits until /health answers 200 (the model loaded).
    func waitUntilHealthy(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await get("/health"))?.status == 200 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError.didNotStart
    }
}
