import EmbedKit
import EmbedKitServer
import EmbedKitTestFixtures
import Foundation
import Testing

/// The reranker routes against the library: TEI's `/rerank` and Jina's / Cohere's `/v1/rerank` on the
/// tiny cross-encoder give `CrossEncoder.rerank`'s scores (itself checked against sentence-transformers),
/// best first; the bad inputs of the issue get a clear 4xx; each kind of model refuses the other's routes.
@Suite(.serialized) struct RerankEndpointTests {
    static let folder = FixtureLocator.local("reranker-tiny")
    static let query = "what is a panda?"
    static let documents = [
        "The giant panda is a bear native to South Central China.",
        "Paris is the capital and most populous city of France.",
        "",
        String(repeating: "The giant panda eats bamboo in the mountains of Sichuan. ", count: 60),
    ]

    static func reranker() throws -> CrossEncoder { try CrossEncoder.load(folder: folder, threads: 2) }

    @Test func teiRerankGivesTheLibrarysScoresBestFirst() async throws {
        let model = try Self.reranker()
        let expected = try model.rerank(query: Self.query, documents: Self.documents, longDocuments: .bestChunk)
        let raw = try model.rerank(query: Self.query, documents: Self.documents, rawScores: true, longDocuments: .bestChunk)
        let h = try await ServerHarness.start { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()

        let info = try #require(try await h.get("/info").json() as? [String: Any])
        #expect((info["model_type"] as? [String: Any])?["reranker"] != nil)

        let r = try await h.post("/rerank", json: ["query": Self.query, "texts": Self.documents, "return_text": true])
        #expect(r.status == 200, "\(r.text)")
        let items = try #require(try r.json() as? [[String: Any]])
        #expect(items.count == Self.documents.count)
        let scores = items.map { ($0["score"] as? NSNumber)?.floatValue ?? .nan }
        #expect(scores == scores.sorted(by: >), "best first")
        for item in items {
            let i = try #require(item["index"] as? Int)
            #expect(abs((item["score"] as? NSNumber)!.floatValue - expected[i].score) <= 1e-6)
            #expect(item["text"] as? String == Self.documents[i])
            #expect((item["chunks"] as? Int ?? 1) == expected[i].chunks)
        }
        #expect(expected[3].chunks > 1, "the long document is scored in windows")

        let rawReply = try #require(try await h.post("/rerank", json: ["query": Self.query, "texts": Self.documents, "raw_scores": true]).json() as? [[String: Any]])
        for item in rawReply {
            let i = try #require(item["index"] as? Int)
            #expect(abs((item["score"] as? NSNumber)!.floatValue - raw[i].score) <= 1e-6)
            #expect(item["text"] == nil)
        }

        // truncate: true cuts the long pair as CrossEncoder.predict does, and names it in X-Truncated-Inputs.
        let cut = try await h.post("/rerank", json: ["query": Self.query, "texts": Self.documents, "truncate": true])
        let cutScores = try model.predict(Self.documents.map { (Self.query, $0) })
        for item in try #require(try cut.json() as? [[String: Any]]) {
            let i = try #require(item["index"] as? Int)
            #expect(abs((item["score"] as? NSNumber)!.floatValue - cutScores[i]) <= 1e-6)
        }
        #expect(cut.header("X-Truncated-Inputs") == "3")
    }

    @Test func cohereAndJinaRerankKeepTheTopN() async throws {
        let model = try Self.reranker()
        let expected = try model.rerank(query: Self.query, documents: Self.documents, topN: 2, longDocuments: .bestChunk)
        let h = try await ServerHarness.start { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        for path in ["/v1/rerank", "/v2/rerank"] {
            let documents: [Any] = Self.documents.enumerated().map { $0.offset % 2 == 0 ? $0.element as Any : ["text": $0.element] as Any }
            let r = try await h.post(path, json: ["model": "any", "query": Self.query, "documents": documents, "top_n": 2])
            #expect(r.status == 200, "\(r.text)")
            let body = try #require(try r.json() as? [String: Any])
            let results = try #require(body["results"] as? [[String: Any]])
            #expect(results.map { $0["index"] as? Int } == expected.map(\.index))
            for (item, e) in zip(results, expected) {
                #expect(abs((item["relevance_score"] as? NSNumber)!.floatValue - e.score) <= 1e-6)
                #expect((item["document"] as? [String: Any])?["text"] as? String == Self.documents[e.index])
            }
            #expect(body["model"] as? String == "reranker-tiny")
            #expect(((body["usage"] as? [String: Any])?["total_tokens"] as? Int ?? 0) > 0)
        }
        let bare = try #require(try await h.post("/v1/rerank", json: ["query": Self.query, "documents": Self.documents,
                                                                       "return_documents": false]).json() as? [String: Any])
        let results = try #require(bare["results"] as? [[String: Any]])
        #expect(results.count == Self.documents.count && results.allSatisfy { $0["document"] == nil })
    }

    @Test func badRerankRequestsGetAClear4xx() async throws {
        let model = try Self.reranker()
        let h = try await ServerHarness.start { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        func expectError(_ path: String, _ body: [String: Any], _ status: Int, _ words: String) async throws {
            let r = try await h.post(path, json: body)
            #expect(r.status == status, "\(path) \(r.text)")
            #expect(r.text.contains(words), "\(r.text)")
            #expect((try r.json() as? [String: Any])?["detail"] is String)
        }
        try await expectError("/rerank", ["query": "q", "texts": [String]()], 400, "must not be empty")
        try await expectError("/v1/rerank", ["query": "q", "documents": [String]()], 400, "must not be empty")
        try await expectError("/rerank", ["query": String(repeating: "熊", count: 600), "texts": ["a"]], 413, "the query has 600 tokens")
        try await expectError("/v1/rerank", ["query": "q", "documents": Array(repeating: "d", count: 10_000)], 413, "10000 items")
        try await expectError("/v1/rerank", ["query": "q", "documents": ["d"], "top_n": 0], 400, "top_n")
        try await expectError("/v1/rerank", ["query": "q", "documents": ["d"], "rank_fields": ["title"]], 400, "rank_fields")
        try await expectError("/rerank", ["query": "q", "texts": ["d"], "truncation_direction": "Left"], 400, "truncation_direction")
        try await expectError("/rerank", ["texts": ["d"]], 400, "query")
        // A reranker gives no embeddings.
        try await expectError("/embed", ["inputs": "a"], 400, "serves a reranker")
        try await expectError("/v1/embeddings", ["input": "a"], 400, "serves a reranker")
        // The server still answers afterwards.
        #expect(try await h.post("/rerank", json: ["query": "q", "texts": ["d"]]).status == 200)
    }

    @Test func anEmbeddingServerRefusesTheRerankRoutes() async throws {
        let h = try await ServerHarness.start { try await Fixtures.dmeta() }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        let r = try await h.post("/rerank", json: ["query": "q", "texts": ["d"]])
        #expect(r.status == 400 && r.text.contains("needs a cross-encoder"), "\(r.text)")
        let v1 = try await h.post("/v1/rerank", json: ["query": "q", "documents": ["d"]])
        #expect(v1.status == 400 && v1.text.contains("needs a cross-encoder"), "\(v1.text)")
    }
}
