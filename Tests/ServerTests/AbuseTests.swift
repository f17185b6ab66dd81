import EmbedKit
import EmbedKitServer
import Foundation
import Testing

/// Bad input of every kind gets a 4xx JSON error, and the server keeps serving.
@Suite(.serialized) struct AbuseTests {
    /// After each abuse, a normal request must still succeed.
    static func expectStillServing(_ h: ServerHarness, headers: [(String, String)] = []) async throws {
        let r = try await h.post("/embed", json: ["inputs": "still serving?"], headers: headers)
        #expect(r.status == 200, "the server stopped serving: \(r.status) \(r.text)")
        #expect(floats(try #require(try r.json() as? [Any]).first)?.count == 48)
    }

    static func expectError(_ r: ServerHarness.Reply, _ status: Int, openAI: Bool, _ comment: Comment? = nil) throws {
        #expect(r.status == status, "\(comment?.description ?? ""): \(r.text)")
        #expect(r.header("content-type") == "application/json")
        let obj = try #require(try r.json() as? [String: Any], "error body must be JSON: \(r.text)")
        if openAI {
            let e = try #require(obj["error"] as? [String: Any])
            #expect((e["message"] as? String)?.isEmpty == false)
            #expect(obj["detail"] as? String == e["message"] as? String, "FastAPI-style clients read detail")
            #expect(e["type"] is String)
            #expect(e.keys.contains("param"))
            #expect(e["code"] as? String == String(status))
        } else {
            #expect((obj["error"] as? String)?.isEmpty == false)
            #expect(obj["error_type"] is String)
            #expect(obj["detail"] as? String == obj["error"] as? String)
        }
    }

    @Test func malformedBodiesGet400AndServerKeepsServing() async throws {
        let h = try await ServerHarness.start { $0.maxClientBatchSize = 4 } load: { try await Fixtures.dmeta() }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()

        let cases: [(String, String, Int)] = [
            ("/v1/embeddings", "{not json", 400),
            ("/v1/embeddings", "", 400),
            ("/v1/embeddings", "[1,2,3]", 400),
            ("/v1/embeddings", "{\"model\": \"m\"}", 400),
            ("/v1/embeddings", "{\"input\": 5}", 400),
            ("/v1/embeddings", "{\"input\": {\"a\": 1}}", 400),
            ("/v1/embeddings", "{\"input\": [1, \"a\"]}", 400),
            ("/v1/embeddings", "{\"input\": [[1, 2], \"a\"]}", 400),
            ("/v1/embeddings", "{\"input\": [1.5, 2]}", 400),
            ("/v1/embeddings", "{\"input\": null}", 400),
            ("/v1/embeddings", "{\"input\": []}", 400),
            ("/v1/embeddings", "{\"input\": [[]]}", 400),
            ("/v1/embeddings", "{\"input\": \"x\", \"dimensions\": \"8\"}", 400),
            ("/v1/embeddings", "{\"input\": \"x\", \"dimensions\": 0}", 400),
            ("/v1/embeddings", "{\"input\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}", 413),
            ("/embed", "{\"inputs\": true}", 400),
            ("/embed", "{\"inputs\": \"x\", \"normalize\": \"yes\"}", 400),
            ("/embed", "{\"inputs\": [[-1, 5]]}", 400),
            ("/embed", "{\"input\": \"x\"}", 400),
            ("/tokenize", "{\"inputs\": [[1, 2]]}", 400),
            ("/tokenize", "{\"inputs\": []}", 400),
            ("/embed", "{\"inputs\": " + String(repeating: "[", count: 200_000) + "}", 400),
            ("/embed", "{\"inputs\": \"x\"} trailing", 400),
        ]
        for (path, body, status) in cases {
            let r = try await h.post(path, raw: body)
            try Self.expectError(r, status, openAI: path.hasPrefix("/v1/"), "\(path) \(body)")
        }
        try await Self.expectStillServing(h)

        // An empty text is a text: sentence-transformers' vector of it (as the library and CLI give it).
        let model = try await Fixtures.dmeta()
        let empty = try await h.post("/v1/embeddings", json: ["input": ["ok", ""]])
        #expect(empty.status == 200, "\(empty.text)")
        let data = try #require((try empty.json() as? [String: Any])?["data"] as? [[String: Any]])
        let got = try #require(data[1]["embedding"] as? [Double]).map(Float.init)
        let want = try #require((model as? EmbeddingModel)?.encode([""], options: EncodeOptions(normalizeEmbeddings: true))[0])
        #expect(got == want)

        // Invalid UTF-8 inside a JSON string, and a lone surrogate escape.
        var bad = Array("{\"inputs\": \"abc".utf8)
        bad += [0xff, 0xfe, 0xc3]
        bad += Array("\"}".utf8)
        let r = try await h.request(.POST, "/embed", body: Data(bad))
        try Self.expectError(r, 400, openAI: false, "invalid UTF-8")
        let surrogate = try await h.post("/embed", raw: "{\"inputs\": \"a\\ud800b\"}")
        #expect(surrogate.status == 200 || surrogate.status == 400, "\(surrogate.text)")

        // Unknown route and wrong method: JSON 404 / 405.
        let nf = try await h.get("/nope")
        #expect(nf.status == 404)
        #expect((try? nf.json()) != nil)
        let wrongMethod = try await h.get("/embed")
        #expect(wrongMethod.status == 404 || wrongMethod.status == 405)
        try await Self.expectStillServing(h)
    }

    @Test func bodyAndInputLimitsGet413() async throws {
        let h = try await ServerHarness.start {
            $0.maxRequestBytes = 4096
            $0.maxInputTokens = 16
        } load: { try await Fixtures.dmeta() }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()

        let huge = "{\"inputs\": \"" + String(repeating: "a", count: 100_000) + "\"}"
        try Self.expectError(try await h.post("/embed", raw: huge), 413, openAI: false, "huge body")
        try Self.expectError(try await h.post("/v1/embeddings", raw: huge.replacingOccurrences(of: "inputs", with: "input")),
                             413, openAI: true, "huge body")
        try await Self.expectStillServing(h)

        // A chunked body (no Content-Length) over the limit is cut off too.
        let chunk = String(repeating: "b", count: 3000)
        let sock = try RawSocket(port: h.port)
        sock.send("POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in 0..<3 { sock.send(String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n") }
        sock.send("0\r\n\r\n")
        let chunked = sock.readResponse(timeout: 10)
        #expect(chunked.hasPrefix("HTTP/1.1 413"), "\(chunked.prefix(200))")

        let words = Array(repeating: "word", count: 40).joined(separator: " ")
        try Self.expectError(try await h.post("/embed", json: ["inputs": words]), 413, openAI: false, "too many tokens")
        let cut = try await h.post("/embed", json: ["inputs": words, "truncate": true])
        #expect(cut.status == 200)
        let info = try #require(try await h.get("/info").json() as? [String: Any])
        #expect(info["max_input_length"] as? Int == 16)
        try await Self.expectStillServing(h)
    }

    @Test func apiKeyRequiredButNotForHealth() async throws {
        let h = try await ServerHarness.start { $0.apiKey = "s3cret-key" } load: { try await Fixtures.dmeta() }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        #expect(try await h.get("/health").status == 200)
        try Self.expectError(try await h.post("/v1/embeddings", json: ["input": "x"]), 401, openAI: true, "no key")
        try Self.expectError(try await h.post("/v1/embeddings", json: ["input": "x"],
                                              headers: [("Authorization", "Bearer s3cret-kez")]), 401, openAI: true, "wrong key")
        try Self.expectError(try await h.post("/embed", json: ["inputs": "x"],
                                              headers: [("Authorization", "Bearer s3cret-key2")]), 401, openAI: false, "longer key")
        try Self.expectError(try await h.post("/embed", json: ["inputs": "x"],
                                              headers: [("Authorization", "Basic s3cret-key")]), 401, openAI: false, "not bearer")
        #expect(try await h.get("/metrics").status == 401)
        #expect(try await h.get("/info").status == 401)
        #expect(try await h.get("/info", headers: [("Authorization", "Bearer s3cret-key")]).status == 200)
        try await Self.expectStillServing(h, headers: [("Authorization", "Bearer s3cret-key")])
    }

    @Test func tooManyConcurrentRequestsGet429() async throws {
        let gated = GatedBackend(try await Fixtures.dmeta(), open: false)
        let h = try await ServerHarness.start { $0.maxConcurrentRequests = 1 } load: { gated }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()

        let held = Task { try await h.post("/embed", json: ["inputs": "held"]) }
        try await gated.waitForBlockedBatch()
        let rejected = try await h.post("/v1/embeddings", json: ["input": "second"])
        try Self.expectError(rejected, 429, openAI: true, "over the limit")
        #expect(rejected.header("retry-after") == "1")
        #expect(try await h.get("/health").status == 200, "health is outside the limit")
        gated.release()
        #expect(try await held.value.status == 200)
        try await Self.expectStillServing(h)
    }

    @Test func slowClientsAreCutOff() async throws {
        let h = try await ServerHarness.start {
            $0.bodyReadTimeout = .milliseconds(500)
            $0.idleTimeout = .seconds(2)
        } load: { try await Fixtures.dmeta() }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()

        // Body promised but never sent in full: 408 with a JSON error.
        let slowBody = try RawSocket(port: h.port)
        slowBody.send("POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"inputs\"")
        let start = Date()
        let reply = slowBody.readResponse(timeout: 10)
        #expect(reply.hasPrefix("HTTP/1.1 408"), "\(reply.prefix(300))")
        #expect(reply.contains("\"error_type\":\"Timeout\""))
        #expect(Date().timeIntervalSince(start) < 5)

        // Headers never finished: the connection is closed after the idle timeout.
        let slowHead = try RawSocket(port: h.port)
        slowHead.send("POST /embed HTTP/1.1\r\nHost: x\r\n")
        let t0 = Date()
        let nothing = slowHead.readAll(timeout: 8)
        #expect(nothing.isEmpty || nothing.hasPrefix("HTTP/1.1 4"))
        #expect(Date().timeIntervalSince(t0) < 6, "the idle connection must be closed by the server")

        // Garbage instead of HTTP: a 4xx or a closed connection, never a hang.
        let garbage = try RawSocket(port: h.port)
        garbage.send([0x16, 0x03, 0x01, 0x00, 0xff] + Array(repeating: 0x41, count: 64) + Array("\r\n\r\n".utf8))
        let g = garbage.readAll(timeout: 5)
        #expect(g.isEmpty || g.hasPrefix("HTTP/1.1 4"), "\(g.prefix(100))")
        try await Self.expectStillServing(h)
    }
}
