import EmbedKit
import EmbedKitServer
import Foundation
import Testing

/// What clients written for TEI, Jina and FastAPI servers send and read, answered as they expect.
@Suite(.serialized) struct ClientCompatibilityTests {
    @Test func teiRootRoutesPingAndServedName() async throws {
        let model = try #require(try await Fixtures.dmeta() as? EmbeddingModel)
        let h = try await ServerHarness.start { _ in } load: { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        // huggingface_hub's InferenceClient posts TEI's body to `/`; SageMaker to `/invocations`.
        let embed = try await h.post("/embed", json: ["inputs": ["one text", "another"]])
        for path in ["/", "/invocations"] {
            let r = try await h.post(path, json: ["inputs": ["one text", "another"]])
            #expect(r.status == 200 && r.body == embed.body, "\(path): \(r.text)")
        }
        #expect(try await h.get("/ping").status == 200)
        // The model is named by its folder, never by a path of the server's filesystem.
        let models = try await h.get("/v1/models").json() as? [String: Any]
        let id = ((models?["data"] as? [[String: Any]])?.first?["id"]) as? String
        #expect(id == "dmeta-tiny", "\(String(describing: models))")
        let info = try await h.get("/info").json() as? [String: Any]
        #expect(info?["model_id"] as? String == "dmeta-tiny" && info?["max_client_batch_size"] as? Int == 2048)
        // A known path with the wrong method: 405 naming the methods it takes.
        let wrong = try await h.get("/embed")
        #expect(wrong.status == 405 && wrong.header("allow") == "POST", "\(wrong.status) \(wrong.text)")
    }

    @Test func servedModelNameIsUsedEverywhere() async throws {
        let model = try #require(try await Fixtures.dmeta() as? EmbeddingModel)
        let h = try await ServerHarness.start { $0.servedModelName = "team/embedder" } load: { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        let r = try await h.post("/v1/embeddings", json: ["input": "x"])
        #expect((try r.json() as? [String: Any])?["model"] as? String == "team/embedder")
        let models = try await h.get("/v1/models").json() as? [String: Any]
        #expect(((models?["data"] as? [[String: Any]])?.first?["id"]) as? String == "team/embedder")
    }

    @Test func jinaEncodingTypeIsHonouredAndBodiesAreNamed() async throws {
        let model = try #require(try await Fixtures.dmeta() as? EmbeddingModel)
        let h = try await ServerHarness.start { _ in } load: { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        // LlamaIndex's JinaEmbedding sends encoding_type: the bits come back, not floats.
        let texts = ["query one", "query two"]
        let r = try await h.post("/v1/embeddings", json: ["input": texts, "encoding_type": "ubinary"])
        let data = try #require((try r.json() as? [String: Any])?["data"] as? [[String: Any]], "\(r.text)")
        let bits = data.map { ($0["embedding"] as? [Int]) ?? [] }
        let floats = try model.encode(texts, options: EncodeOptions(normalizeEmbeddings: true))
        #expect(bits == (try Quantization.quantize(floats, precision: .ubinary)))
        let clash = try await h.post("/v1/embeddings", json: ["input": "x", "encoding_type": "ubinary", "embedding_type": "float"])
        #expect(clash.status == 400 && clash.text.contains("disagree"))
        // Bodies that are not JSON objects, and bodies that are not UTF-8, are named as such.
        let array = try await h.post("/embed", raw: "[\"x\"]")
        #expect(array.status == 400 && array.text.contains("must be a JSON object"), "\(array.text)")
        let latin1 = try await h.request(.POST, "/embed", body: Data([0x7B, 0x22, 0x69, 0x6E, 0x70, 0x75, 0x74, 0x73, 0x22, 0x3A, 0x22, 0xE9, 0x22, 0x7D]))
        #expect(latin1.status == 400 && latin1.text.contains("not valid UTF-8"), "\(latin1.text)")
    }

    @Test func ollamaRoutesAnswerAsOllamaDoes() async throws {
        let model = try #require(try await Fixtures.dmeta() as? EmbeddingModel)
        let h = try await ServerHarness.start { _ in } load: { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        let texts = ["How is the weather today?", "今天天气怎么样?"]
        // /api/embed: normalized vectors (after dimensions), the served name, the token count.
        let r = try await h.post("/api/embed", json: ["model": "nomic-embed-text", "input": texts, "keep_alive": "5m",
                                                      "options": ["temperature": 0.2]])
        let body = try #require(try r.json() as? [String: Any], "\(r.text)")
        let want = try model.encode(texts, options: EncodeOptions(normalizeEmbeddings: true))
        #expect(floats(body["embeddings"]) == want)
        #expect(body["model"] as? String == "dmeta-tiny")
        let tokens = try model.tokenize(texts).reduce(0) { $0 + $1.ids.count }
        #expect(body["prompt_eval_count"] as? Int == tokens && (body["total_duration"] as? Int ?? -1) >= 0)
        let cut = try await h.post("/api/embed", json: ["model": "m", "input": texts[0], "dimensions": 16])
        #expect(floats((try cut.json() as? [String: Any])?["embeddings"]) ==
            (try model.encode([texts[0]], dimensions: [16], options: EncodeOptions(normalizeEmbeddings: true))[0]))
        // num_ctx cuts (truncate defaults to true) or, with truncate false, refuses.
        let short = try await h.post("/api/embed", json: ["model": "m", "input": texts[0], "options": ["num_ctx": 4]])
        #expect(floats((try short.json() as? [String: Any])?["embeddings"]) ==
            (try model.encode([texts[0]], options: EncodeOptions(normalizeEmbeddings: true, maxLength: 4))))
        let refused = try await h.post("/api/embed", json: ["model": "m", "input": texts[0], "truncate": false, "options": ["num_ctx": 4]])
        let refusal = try refused.json() as? [String: Any]
        #expect(refused.status == 413 && refusal?["error"] is String, "\(refused.text)")
        // An empty input loads the model and answers with no embeddings.
        let empty = try await h.post("/api/embed", json: ["model": "m", "input": [String]()])
        let none = try empty.json() as? [String: Any]
        #expect(empty.status == 200 && floats(none?["embeddings"]) == [])
        // The legacy route: the model's own vector of one prompt.
        let legacy = try await h.post("/api/embeddings", json: ["model": "m", "prompt": texts[1]])
        #expect(floats([(try legacy.json() as? [String: Any])?["embedding"] as Any]) == (try model.encode([texts[1]])))
        // Discovery: the served model with its family and length.
        let tags = try await h.get("/api/tags").json() as? [String: Any]
        let listed = (tags?["models"] as? [[String: Any]])?.first
        #expect(listed?["name"] as? String == "dmeta-tiny" && (listed?["details"] as? [String: Any])?["family"] as? String == "bert")
        let show = try await h.post("/api/show", json: ["model": "dmeta-tiny"]).json() as? [String: Any]
        let info = show?["model_info"] as? [String: Any]
        #expect(info?["bert.embedding_length"] as? Int == 48 && show?["capabilities"] as? [String] == ["embedding"])
        #expect((try await h.get("/api/version").json() as? [String: Any])?["version"] as? String == "0.12.0")
    }

    @Test func teiSimilarityDecodeAndNoSilentlyIgnoredField() async throws {
        let model = try #require(try await Fixtures.dmeta() as? EmbeddingModel)
        let h = try await ServerHarness.start { _ in } load: { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        // /similarity, and `/` with the same body (huggingface_hub's sentence_similarity): the model's function.
        let inputs: [String: Any] = ["source_sentence": "A man is playing a guitar.", "sentences": ["A man plays guitar.", "A cat sleeps."]]
        let v = try model.encode(["A man is playing a guitar.", "A man plays guitar.", "A cat sleeps."])
        let want = v.dropFirst().map { model.similarityFunction(v[0], $0) }
        for path in ["/similarity", "/"] {
            let r = try await h.post(path, json: ["inputs": inputs])
            #expect((try r.json() as? [NSNumber])?.map(\.floatValue) == want, "\(path): \(r.text)")
        }
        // /decode: the tokenizer's text of each id list, special tokens skipped unless asked.
        let ids = try model.tokenize(["hello world"])[0].ids
        let decoded = try await h.post("/decode", json: ["ids": [ids, ids]]).json() as? [String]
        #expect(decoded == Array(repeating: model.tokenizer.decode(ids), count: 2))
        let kept = try await h.post("/decode", json: ["ids": ids, "skip_special_tokens": false]).json() as? [String]
        #expect(kept == [model.tokenizer.decode(ids, skipSpecialTokens: false)])
        // The OpenAPI document agrees with the route table and the decoders, and is served with its page.
        #expect(APIDocument.problems() == [])
        let document = try await h.get("/openapi.json")
        let paths = (try document.json() as? [String: Any])?["paths"] as? [String: Any]
        #expect(paths?["/api/embed"] != nil && paths?["/v1/embeddings"] != nil && paths?.count == 28, "\(paths?.keys.sorted() ?? [])")
        #expect(try await h.get("/api-doc/openapi.json").body == document.body)
        let page = try await h.get("/docs")
        #expect(page.status == 200 && page.text.contains("/openapi.json") && !page.text.contains("https://"))
        // A field no route honours is refused, by name, on every route: never ignored.
        for (path, body) in [("/embed", ["inputs": "x", "input_type": "query"]), ("/v1/embeddings", ["input": "x", "output_dtype": "int8"]),
                             ("/api/embed", ["input": "x", "format": "json"])] as [(String, [String: Any])] {
            let r = try await h.post(path, json: body)
            #expect(r.status == 400 && r.text.contains("unknown field"), "\(path): \(r.text)")
        }
        // tiktoken ids (LangChain's default) fail loudly, even when every id is inside the vocabulary.
        let tiktoken = try await h.post("/v1/embeddings", json: ["input": [[9906, 1917]]])
        #expect(tiktoken.status == 400 && tiktoken.text.contains("check_embedding_ctx_length=False"), "\(tiktoken.text)")
        let own = try await h.post("/v1/embeddings", json: ["input": [ids]])
        #expect(own.status == 200, "\(own.text)")
        // Jina's task is a prompt name, refused when the model has no such prompt.
        let task = try await h.post("/v1/embeddings", json: ["input": "x", "task": "retrieval.query"])
        #expect(task.status == 400 && task.text.contains("not a prompt of this model"), "\(task.text)")
    }

    @Test func embedAllGivesSentenceTransformersTokenEmbeddings() async throws {
        let model = try #require(try await Fixtures.dmeta() as? EmbeddingModel)
        let h = try await ServerHarness.start { _ in } load: { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        let golden = try #require(try Fixtures.golden("dmeta-tiny").token_embeddings)
        try #require(!golden.isEmpty)
        // TEI's /embed_all: per input, its tokens' vectors before pooling, as sentence-transformers gives them.
        let r = try await h.post("/embed_all", json: ["inputs": golden.map(\.text)])
        let got = try #require((try r.json() as? [[[NSNumber]]])?.map { $0.map { $0.map(\.floatValue) } }, "\(r.text)")
        #expect(got.count == golden.count)
        for (g, want) in zip(got, golden) {
            #expect(g.count == want.rows.count, "\(want.text): \(g.count) rows, reference \(want.rows.count)")
            let diff = zip(g, want.rows).map { a, b in zip(a, b).map { abs($0 - $1) }.max() ?? .infinity }.max() ?? .infinity
            #expect(diff <= 1e-4, "\(want.text): max |diff| \(diff)")
        }
        // Past the max length: cut when truncate is true, refused when false.
        let long = String(repeating: "word ", count: 2000)
        let cut = try await h.post("/embed_all", json: ["inputs": long, "truncate": true])
        let rows = (try cut.json() as? [[[NSNumber]]])?.first?.count
        #expect(cut.status == 200 && rows == model.info.maxSequenceLength, "\(cut.status) \(String(describing: rows))")
        let refused = try await h.post("/embed_all", json: ["inputs": long, "truncate": false])
        #expect(refused.status == 413 || refused.status == 400, "\(refused.status) \(refused.text)")
    }

    /// A JSON array of arrays of numbers as float vectors.
    private func floats(_ value: Any?) -> [[Float]]? {
        (value as? [[NSNumber]])?.map { $0.map(\.floatValue) }
    }
}
