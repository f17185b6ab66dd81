import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import NIOCore
import EmbedKitTestFixtures
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// An OTLP/HTTP collector on loopback: keeps the JSON bodies POSTed to /v1/traces.
final class FakeCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var bodies: [Data] = []
    private var task: Task<Void, Error>?
    private(set) var port = 0

    func start() async throws {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "fake-collector")
        logger.logLevel = .critical
        let router = Router()
        router.post("/v1/traces") { [self] request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            lock.withLock { bodies.append(Data(body.readableBytesView)) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: logger)
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        for await p in stream { port = p }
    }

    func stop() async {
        task?.cancel()
        _ = try? await task?.value
    }

    /// Every span received, with its trace, span and parent span ids as lowercase hex (OTLP/JSON says
    /// hex; swift-otel writes protobuf's JSON mapping, base64: both are read).
    var spans: [[String: Any]] {
        let all = lock.withLock { bodies }
        var out: [[String: Any]] = []
        for data in all {
            guard let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            for resource in doc["resourceSpans"] as? [[String: Any]] ?? [] {
                for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                    for var span in scope["spans"] as? [[String: Any]] ?? [] {
                        for key in ["traceId", "spanId", "parentSpanId"] {
                            if let id = span[key] as? String { span[key] = Self.hex(id) }
                        }
                        out.append(span)
                    }
                }
            }
        }
        return out
    }

    static func hex(_ id: String) -> String {
        if id.count % 2 == 0, id.allSatisfy(\.isHexDigit) { return id.lowercased() }
        guard let bytes = Data(base64Encoded: id) else { return id }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// `embedkit serve --otel-traces`: one trace per request, continuing the caller's `traceparent`, with
/// the request's tokenize, queue and forward spans under its HTTP span, exported over OTLP/HTTP.
@Suite(.enabled(if: CLI.binary != nil, "the embedkit executable is not built (swift build --product embedkit)"))
struct TraceExportTests {
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func requestSpansReachTheCollectorUnderTheCallersTrace() async throws {
        let collector = FakeCollector()
        try await collector.start()
        defer { Task { await collector.stop() } }
        let port = Self.freePort()
        let process = Process()
        process.executableURL = CLI.binary!
        process.arguments = ["serve", "--model", FixtureLocator.model("dmeta-tiny")!.path, "--port", String(port), "--threads", "1", "--otel-traces"]
        process.environment = ["PATH": "/usr/bin:/bin", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(collector.port)",
                               "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_BSP_SCHEDULE_DELAY": "100"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        func call(_ path: String, _ body: String? = nil, headers: [String: String] = [:]) async -> Int? {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            if let body { request.httpMethod = "POST"; request.httpBody = Data(body.utf8) }
            for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
            return ((try? await URLSession.shared.data(for: request))?.1 as? HTTPURLResponse)?.statusCode
        }
        var healthy = false
        for _ in 0..<300 where !healthy {
            healthy = await call("/health") == 200
            if !healthy { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(healthy, "the server did not start")

        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        let status = await call("/embed", "{\"inputs\": [\"traced request\", \"another input\"]}",
                                headers: ["Content-Type": "application/json", "traceparent": "00-\(traceID)-00f067aa0ba902b7-01"])
        #expect(status == 200)
        var spans: [[String: Any]] = []
        for _ in 0..<100 {
            spans = collector.spans.filter { ($0["traceId"] as? String)?.lowercased() == traceID }
            if Set(spans.compactMap { $0["name"] as? String }).isSuperset(of: ["tokenize", "queue", "forward"]) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        process.waitUntilExit()
        let names = spans.compactMap { $0["name"] as? String }
        #expect(Set(names).isSuperset(of: ["tokenize", "queue", "forward"]), "spans of the trace: \(names)")
        let http = spans.first { ($0["parentSpanId"] as? String)?.lowercased() == "00f067aa0ba902b7" }
        let httpID = try #require(http?["spanId"] as? String, "no span continues the caller's traceparent: \(spans)")
        for name in ["tokenize", "queue", "forward"] {
            let span = spans.first { $0["name"] as? String == name }
            #expect((span?["parentSpanId"] as? String)?.lowercased() == httpID.lowercased(), "\(name) is not under the request's span")
        }
    }
}
