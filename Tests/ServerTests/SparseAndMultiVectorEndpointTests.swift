import EmbedKit
import EmbedKitServer
import EmbedKitTestFixtures
import Foundation
import Testing

/// TEI's `/embed_sparse` on the tiny SPLADE model gives `SparseEncoder.encode`'s vectors (checked
/// against sentence-transformers); the dense routes refuse a sparse model and `/embed_sparse` a dense one.
@Suite(.serialized) struct SparseEndpointTests {
    static let folder = FixtureLocator.local("splade-tiny")
    static let texts = ["what is a panda?", "The giant panda is a bear native to South Central China.", ""]

    @Test func embedSparseGivesTheLibrarysVectors() async throws {
        let model = try SparseEncoder.load(folder: Self.folder, threads: 2)
        let expected = try model.encode(Self.texts)
        let h = try await ServerHarness.start { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        let r = try await h.post("/embed_sparse", json: ["inputs": Self.texts])
        #expect(r.status == 200, "\(r.text)")
        let lists = try #require(try r.json() as? [[[String: Any]]])
        #expect(lists.count == Self.texts.count)
        for (list, want) in zip(lists, expected) {
            #expect(list.map { $0["index"] as? Int ?? -1 } == want.indices)
            #expect(zip(list, want.values).allSatisfy { abs((($0["value"] as? NSNumber)?.floatValue ?? .nan) - $1) <= 1e-6 })
        }
        // Cut past the max length with truncate, refused without.
        let long = String(repeating: "panda ", count: 400)
        #expect(try await h.post("/embed_sparse", json: ["inputs": long, "truncate": true]).status == 200)
        #expect(try await h.post("/embed_sparse", json: ["inputs": long]).status == 413)
        let dense = try await h.post("/embed", json: ["inputs": "a"])
        #expect(dense.status == 400 && dense.text.contains("/embed_sparse"), "\(dense.text)")
        let info = try #require(try await h.get("/info").json() as? [String: Any])
        #expect(((info["model_type"] as? [String: Any])?["embedding"] as? [String: Any])?["pooling"] as? String == "splade")
    }

    @Test func aDenseModelRefusesEmbedSparse() async throws {
        let h = try await ServerHarness.start { try await Fixtures.dmeta() }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        let r = try await h.post("/embed_sparse", json: ["inputs": "a"])
        #expect(r.status == 400 && r.text.contains("gives no sparse vectors"), "\(r.text)")
    }
}

/// bge-m3 served whole: its dense vectors on the embedding routes, its lexical weights on `/embed_sparse`
/// and its ColBERT vectors on Jina's `/v1/multi-vector`, each equal to `BGEM3.encode`'s (itself checked
/// against FlagEmbedding); what it cannot give (token states, chunks) is a 400.
@Suite(.serialized) struct MultiVectorEndpointTests {
    static let folder = FixtureLocator.local("bge-m3-tiny")
    static let texts = ["今天天气怎么样?", "The quick brown fox jumps over the lazy dog.", "a"]

    @Test func bgeM3ServedWhole() async throws {
        let m3 = try BGEM3.load(folder: Self.folder, threads: 2)
        let expected = try m3.encode(Self.texts)
        let h = try await ServerHarness.start { m3 }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()

        let mv = try await h.post("/v1/multi-vector", json: ["model": "any", "input": Self.texts, "input_type": "document"])
        #expect(mv.status == 200, "\(mv.text)")
        let data = try #require((try mv.json() as? [String: Any])?["data"] as? [[String: Any]])
        for (item, want) in zip(data, expected) {
            let rows = try #require(item["embeddings"] as? [[NSNumber]])
            #expect(rows.count == want.colbert.count)
            #expect(zip(rows, want.colbert).allSatisfy { r, w in zip(r, w).allSatisfy { abs($0.floatValue - $1) <= 1e-6 } })
        }

        let sparse = try #require(try await h.post("/embed_sparse", json: ["inputs": Self.texts]).json() as? [[[String: Any]]])
        for (list, want) in zip(sparse, expected) {
            #expect(list.map { $0["index"] as? Int ?? -1 } == want.sparse.indices)
            #expect(zip(list, want.sparse.values).allSatisfy { abs((($0["value"] as? NSNumber)?.floatValue ?? .nan) - $1) <= 1e-6 })
        }

        let dense = try #require(try await h.post("/embed", json: ["inputs": Self.texts]).json() as? [[NSNumber]])
        for (v, want) in zip(dense, expected) { #expect(zip(v, want.dense).allSatisfy { abs($0.floatValue - $1) <= 1e-6 }) }

        let chunk = try await h.post("/chunk", json: ["inputs": ["a b c"], "chunk_tokens": 4])
        #expect(chunk.status == 400 && chunk.text.contains("token states"), "\(chunk.text)")
        let bad = try await h.post("/v1/multi-vector", json: ["input": "a", "embedding_type": "binary"])
        #expect(bad.status == 400 && bad.text.contains("embedding_type"), "\(bad.text)")
    }

    @Test func aModelWithoutColbertRefusesMultiVector() async throws {
        let h = try await ServerHarness.start { try await Fixtures.dmeta() }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        let r = try await h.post("/v1/multi-vector", json: ["input": "a"])
        #expect(r.status == 400 && r.text.contains("gives no multi-vectors"), "\(r.text)")
    }
}
