import EmbedKit
import EmbedKitServer
import Foundation
import Testing

/// Each endpoint against the real dmeta-tiny model and its sentence-transformers goldens.
@Suite(.serialized) struct EndpointTests {
    static func startDmeta(_ configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> ServerHarness {
        let h = try await ServerHarness.start(configure) { try await Fixtures.dmeta() }
        try await h.waitUntilHealthy()
        return h
    }

    @Test func openAIEmbeddingsMatchSentenceTransformers() async throws {
        let golden = try Fixtures.golden("dmeta-tiny")
        let cases = golden.cases.filter { !$0.text.isEmpty && $0.input_ids.count < golden.max_seq_length }
        let h = try await Self.startDmeta()
        defer { Task { try? await h.shutdown() } }

        let r = try await h.post("/v1/embeddings", json: ["input": cases.map(\.text), "model": "dmeta-tiny"])
        #expect(r.status == 200, "\(r.text)")
        let obj = try #require(try r.json() as? [String: Any])
        #expect(obj["object"] as? String == "list")
        #expect(obj["model"] as? String != nil)
        let data = try #require(obj["data"] as? [[String: Any]])
        #expect(data.count == cases.count)
        for (i, c) in cases.enumerated() {
            #expect(data[i]["object"] as? String == "embedding")
            #expect(data[i]["index"] as? Int == i)
            let v = try #require(floats(data[i]["embedding"]))
            #expect(maxAbsDiff(v, c.embedding) < 1e-5, "case \(i) '\(c.text)'")
        }
        let usage = try #require(obj["usage"] as? [String: Any])
        #expect(usage["prompt_tokens"] as? Int == cases.reduce(0) { $0 + $1.input_ids.count })
        #expect(usage["total_tokens"] as? Int == usage["prompt_tokens"] as? Int)

        // The same through /embeddings, with a single string input.
        let one = try await h.post("/embeddings", json: ["input": cases[0].text, "model": "x"])
        let v = try #require(floats(((try one.json() as? [String: Any])?["data"] as? [[String: Any]])?.first?["embedding"]))
        #expect(maxAbsDiff(v, cases[0].embedding) < 1e-5)
    }

    @Test func base64EqualsFloatAndDimensionsRenormalize() async throws {
        let h = try await Self.startDmeta()
        defer { Task { try? await h.shutdown() } }
        let texts = ["How is the weather today?", "今天天气怎么样?"]

        func vectors(_ extra: [String: Any]) async throws -> [Any] {
            var body: [String: Any] = ["input": texts, "model": "m"]
            body.merge(extra) { $1 }
            let r = try await h.post("/v1/embeddings", json: body)
            #expect(r.status == 200, "\(r.text)")
            return try #require((try r.json() as? [String: Any])?["data"] as? [[String: Any]]).map { $0["embedding"]! }
        }
        let full = try await vectors([:]).map { floats($0) ?? [] }
        let b64 = try await vectors(["encoding_format": "base64"])
        for (i, item) in b64.enumerated() {
            let decoded = try decodeBase64Floats(item as? String ?? "")
            #expect(decoded.count == 48)
            #expect(decoded == full[i], "base64 must carry the very floats of the float format")
        }

        let cut = try await vectors(["dimensions": 16]).map { floats($0) ?? [] }
        for (i, v) in cut.enumerated() {
            #expect(v.count == 16)
            let prefix = Array(full[i].prefix(16))
            let norm = prefix.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(maxAbsDiff(v, prefix.map { $0 / norm }) < 1e-6)
            #expect(abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        }
        let tei = try await h.post("/embed", json: ["inputs": texts, "dimensions": 16])
        let teiRows = try tei.teiRows()
        for i in texts.indices { #expect(maxAbsDiff(teiRows[i], cut[i]) < 1e-7) }

        let bad = try await h.post("/v1/embeddings", json: ["input": texts, "dimensions": 49])
        #expect(bad.status == 400)
        let badFormat = try await h.post("/v1/embeddings", json: ["input": texts, "encoding_format": "int4"])
        #expect(badFormat.status == 400, "an encoding_format no format defines is refused")
    }

    @Test func tokenIDInputsAndTokenize() async throws {
        let golden = try Fixtures.golden("dmeta-tiny")
        let cases = Array(golden.cases.filter { !$0.text.isEmpty && $0.input_ids.count < 100 }.prefix(5))
        let h = try await Self.startDmeta()
        defer { Task { try? await h.shutdown() } }

        // /tokenize returns the golden ids, with special tokens flagged.
        let t = try await h.post("/tokenize", json: ["inputs": cases.map(\.text)])
        #expect(t.status == 200, "\(t.text)")
        let rows = try #require(try t.json() as? [[[String: Any]]])
        for (i, c) in cases.enumerated() {
            #expect(rows[i].compactMap { $0["id"] as? Int } == c.input_ids)
            #expect(rows[i].first?["special"] as? Bool == true)
            #expect(rows[i].last?["special"] as? Bool == true)
            #expect(rows[i].dropFirst().first?["special"] as? Bool == false)
        }
        let ascii = try await h.post("/tokenize", json: ["inputs": "How is the weather today?", "add_special_tokens": false])
        let toks = try #require(try ascii.json() as? [[[String: Any]]]).first ?? []
        #expect(toks.allSatisfy { $0["special"] as? Bool == false })
        let first = try #require(toks.first)
        #expect(first["start"] as? Int == 0)
        #expect((first["text"] as? String)?.lowercased() == "how")

        // Ids in: one array, and an array of arrays; equal to the golden vectors.
        let single = try await h.post("/v1/embeddings", json: ["input": cases[0].input_ids])
        let sv = try #require(floats(((try single.json() as? [String: Any])?["data"] as? [[String: Any]])?.first?["embedding"]))
        #expect(maxAbsDiff(sv, cases[0].embedding) < 1e-5)
        let many = try await h.post("/embed", json: ["inputs": cases.map(\.input_ids)])
        let mv = try many.teiRows()
        for (i, c) in cases.enumerated() { #expect(maxAbsDiff(mv[i], c.embedding) < 1e-5) }

        let outside = try await h.post("/embed", json: ["inputs": [[101, 99_999_999, 102]]])
        #expect(outside.status == 400)
        #expect(outside.text.contains("vocabulary"))
        // tiktoken (cl100k) ids as LangChain's OpenAIEmbeddings sends them: the 400 names the fix.
        let tiktoken = try await h.post("/v1/embeddings", json: ["input": [[9906, 1917, 0, 100_255]]])
        #expect(tiktoken.status == 400)
        #expect(tiktoken.text.contains("check_embedding_ctx_length=False") && tiktoken.text.contains("/tokenize"), "\(tiktoken.text)")
    }

    @Test func teiEmbedTruncationAndInfo() async throws {
        let golden = try Fixtures.golden("dmeta-tiny")
        let long = try #require(golden.cases.first { $0.input_ids.count == golden.max_seq_length })
        let h = try await Self.startDmeta()
        defer { Task { try? await h.shutdown() } }

        let info = try #require(try await h.get("/info").json() as? [String: Any])
        #expect(info["max_input_length"] as? Int == 1024)
        #expect(info["max_batch_tokens"] as? Int == 16384)
        #expect(info["dimension"] as? Int == 48)
        #expect((info["model_type"] as? [String: Any])?["embedding"] != nil)

        // The long golden text is over 1024 tokens: 413 unless truncated; truncated = sentence-transformers'.
        let refused = try await h.post("/embed", json: ["inputs": long.text])
        #expect(refused.status == 413, "\(refused.text)")
        #expect(refused.text.contains("truncate"))
        let refusedOpenAI = try await h.post("/v1/embeddings", json: ["input": long.text])
        #expect(refusedOpenAI.status == 413)
        #expect(((try refusedOpenAI.json() as? [String: Any])?["error"] as? [String: Any])?["message"] != nil)
        let cut = try await h.post("/embed", json: ["inputs": long.text, "truncate": true])
        #expect(cut.status == 200)
        let v = try #require(try cut.teiRows().first)
        #expect(maxAbsDiff(v, long.embedding) < 1e-5)

        // Left truncation keeps [CLS] + the last tokens + [SEP].
        let tok = try #require(try await h.post("/tokenize", json: ["inputs": long.text]).json() as? [[[String: Any]]])
        let ids = tok[0].compactMap { $0["id"] as? Int }
        #expect(ids.count > 1024)
        let expectedIDs = [ids[0]] + ids[(ids.count - 1 - 1022)..<(ids.count - 1)] + [ids[ids.count - 1]]
        let left = try await h.post("/embed", json: ["inputs": long.text, "truncate": true, "truncation_direction": "Left"])
        let byIDs = try await h.post("/embed", json: ["inputs": [expectedIDs]])
        let lv = try #require(try left.teiRows().first)
        let iv = try #require(try byIDs.teiRows().first)
        #expect(lv == iv)
        #expect(maxAbsDiff(lv, v) > 1e-4, "left and right truncation keep different tokens")

        let unknownPrompt = try await h.post("/embed", json: ["inputs": "x", "prompt_name": "query"])
        #expect(unknownPrompt.status == 400)
        let badDirection = try await h.post("/embed", json: ["inputs": "x", "truncation_direction": "middle"])
        #expect(badDirection.status == 400)
    }

    /// A model whose Pooling has `include_prompt: false`: the prompt the server prepends for
    /// `prompt_name` is left out of mean pooling, as `EmbeddingModel.encode` (and sentence-transformers)
    /// leave it out; a request without a prompt in the same batch pools every token.
    @Test func promptTokensAreLeftOutOfPoolingWhenTheModelSaysSo() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("embedkit-prompt-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Fixtures.path("jina-v2-tiny-en")), to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pooling = dir.appendingPathComponent("1_Pooling/config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: pooling)) as? [String: Any])
        config["include_prompt"] = false
        try JSONSerialization.data(withJSONObject: config).write(to: pooling)
        try JSONSerialization.data(withJSONObject: ["prompts": ["query": "Represent this sentence for retrieval: "]])
            .write(to: dir.appendingPathComponent("config_sentence_transformers.json"))

        let model = try EmbeddingModel.load(folder: dir, threads: 1)
        #expect(try model.promptLength(for: "query") > 5)
        let texts = ["how do solar panels work", "a cat sleeps on the warm windowsill"]
        var options = EncodeOptions(normalizeEmbeddings: true)
        options.promptName = "query"
        let expected = try model.encode(texts, options: options)
        let plain = try model.encode(texts, options: EncodeOptions(normalizeEmbeddings: true))

        let h = try await ServerHarness.start { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        async let withPrompt = h.post("/embed", json: ["inputs": texts, "prompt_name": "query"])
        async let without = h.post("/embed", json: ["inputs": texts])
        let (a, b) = try await (withPrompt, without)
        #expect(a.status == 200 && b.status == 200, "\(a.text) \(b.text)")
        let rowsA = try a.teiRows(), rowsB = try b.teiRows()
        for i in texts.indices {
            #expect(maxAbsDiff(rowsA[i], expected[i]) < 1e-5)
            #expect(maxAbsDiff(rowsB[i], plain[i]) < 1e-5)
            #expect(maxAbsDiff(rowsA[i], rowsB[i]) > 1e-3)
        }
        // Had the prompt been pooled, the vector would be the include_prompt: true one.
        let text = model.textPreparation
        let query = try text.prompt(named: "query")
        let pooledWithPrompt = try model.encode(tokenIDs: texts.map { model.tokenizer.encode(text.tokenizerInput($0, prompt: query)).ids },
                                                options: EncodeOptions(normalizeEmbeddings: true))
        #expect(maxAbsDiff(rowsA[0], pooledWithPrompt[0]) > 1e-3)

        // /tokenize with the prompt and leading spaces: the tokens /embed computes, offsets and texts
        // indexing the input as sent, prompt tokens without offsets.
        let sent = "   how do  solar panels work"
        let t = try #require(try await h.post("/tokenize", json: ["inputs": [sent], "prompt_name": "query"]).json() as? [[[String: Any]]])
        let tokens = try #require(t.first)
        let prepared = try text.prepare([sent], prompt: query)[0]
        #expect(tokens.compactMap { $0["id"] as? Int } == prepared.ids)
        let promptTokens = tokens.filter { !($0["special"] as? Bool ?? true) && $0["start"] is NSNull }
        #expect(promptTokens.count == prepared.promptLength - 1, "prompt tokens (the [CLS] is special)")
        let scalars = Array(sent.unicodeScalars)
        var words: [String] = []
        for token in tokens {
            guard let start = token["start"] as? Int, let stop = token["stop"] as? Int else { continue }
            let slice = String(String.UnicodeScalarView(scalars[start..<stop]))
            #expect(token["text"] as? String == slice)
            words.append(slice)
        }
        #expect(words.joined() == "howdosolarpanelswork")
    }

    @Test func healthIsUnavailableWhileLoadingAndMetricsReport() async throws {
        let gate = AsyncGate()
        let h = try await ServerHarness.start { _ in } load: {
            await gate.wait()
            return try await Fixtures.dmeta()
        }
        defer { Task { try? await h.shutdown() } }
        let loading = try await h.get("/health")
        #expect(loading.status == 503)
        #expect(loading.text.contains("loading"))
        let early = try await h.post("/embed", json: ["inputs": "hi"])
        #expect(early.status == 503)
        await gate.open()
        try await h.waitUntilHealthy()
        #expect(try await h.get("/health").status == 200)

        let ok = try await h.post("/embed", json: ["inputs": ["a b c", "hello"]])
        #expect(ok.status == 200)
        _ = try await h.post("/embed", json: ["inputs": []])
        let m = try await h.get("/metrics")
        #expect(m.status == 200)
        #expect(m.header("content-type")?.hasPrefix("text/plain") == true)
        let text = m.text
        #expect(text.contains("embedkit_requests_total{route=\"/embed\",status=\"200\"} 1"))
        #expect(text.contains("embedkit_requests_total{route=\"/embed\",status=\"400\"} 1"))
        #expect(text.contains("embedkit_request_duration_seconds_bucket{route=\"/embed\""))
        #expect(text.contains("embedkit_batch_size_count"))
        #expect(text.contains("embedkit_batch_tokens_sum"))
        #expect(text.contains("embedkit_queue_size 0"))
        #expect(text.contains("embedkit_queue_tokens 0"), "queued tokens return to 0 once the queue drains")
        #expect(text.contains("embedkit_inflight_tokens 0"))
        #expect(text.contains("embedkit_inputs_total 2"))
        #expect(text.contains("embedkit_tokens_total"))
    }
}

/// A one-shot gate for async code.
actor AsyncGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for w in waiters { w.resume() }
        waiters.removeAll()
    }
}
