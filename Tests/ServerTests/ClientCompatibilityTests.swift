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
}
