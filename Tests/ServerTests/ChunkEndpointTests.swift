import EmbedKit
import EmbedKitServer
import Foundation
import Testing

/// `POST /chunk` gives what the library's `chunk` gives, through the server's queue and batching.
@Suite(.serialized) struct ChunkEndpointTests {
    @Test func chunkEndpointEqualsLibraryChunks() async throws {
        let golden = try Fixtures.golden("dmeta-tiny")
        let long = golden.cases.prefix(12).map(\.text).joined(separator: " ")
        let model = try #require(try await Fixtures.dmeta() as? EmbeddingModel)
        // A max length of 64 makes the text run in windows (long late chunking).
        let h = try await ServerHarness.start({ $0.maxInputTokens = 64 }) { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()

        for pooling in [ChunkPooling.late, .independent] {
            let r = try await h.post("/chunk", json: ["inputs": [long, "短句"], "chunk_tokens": 20, "overlap": 0,
                                                      "pooling": pooling.rawValue, "boundaries": "sentences"])
            #expect(r.status == 200, "\(r.text)")
            let items = try #require(try r.json() as? [[String: Any]])
            let want = try model.chunk([long, "短句"], chunking: ChunkingOptions(chunkTokens: 20, boundaries: .sentences, pooling: pooling),
                                       options: EncodeOptions(normalizeEmbeddings: true, maxLength: 64))
            #expect(items.count == 2)
            for (item, chunks) in zip(items, want) {
                let got = try #require(item["chunks"] as? [[String: Any]])
                #expect(got.count == chunks.count, "\(pooling): chunk count")
                for (g, c) in zip(got, chunks) {
                    #expect(g["start"] as? Int == c.start && g["end"] as? Int == c.end)
                    #expect(g["token_start"] as? Int == c.tokenStart && g["token_end"] as? Int == c.tokenEnd)
                    #expect(maxAbsDiff(try #require(floats(g["embedding"])), c.embedding) < 1e-6, "\(pooling)")
                }
            }
            if pooling == .late { #expect(try #require(want[0].last).tokenEnd > 64, "the text is longer than the max length") }
        }

        let bad: [[String: Any]] = [
            ["inputs": long, "chunk_tokens": 0],
            ["inputs": long, "chunk_tokens": 8, "overlap": 8],
            ["inputs": long, "chunk_tokens": 8, "pooling": "max"],
            ["inputs": long, "chunk_tokens": 8, "boundaries": "paragraphs"],
            ["inputs": [101, 102], "chunk_tokens": 8],
            ["inputs": long],
        ]
        for body in bad {
            let r = try await h.post("/chunk", json: body)
            #expect(r.status == 400, "\(body): \(r.status) \(r.text)")
        }
        // Whitespace has no chunks: an empty list in its place, the other texts chunked.
        let blank = try await h.post("/chunk", json: ["inputs": ["   ", "a few words here"], "chunk_tokens": 8])
        let lists = try #require(try blank.json() as? [[String: Any]], "\(blank.text)")
        #expect((lists[0]["chunks"] as? [Any])?.isEmpty == true && (lists[1]["chunks"] as? [Any])?.isEmpty == false)
        let fine = try await h.post("/embed", json: ["inputs": "still serving"])
        #expect(fine.status == 200)
    }

    @Test func overflowPolicyOnBothEmbeddingAPIs() async throws {
        let golden = try Fixtures.golden("dmeta-tiny")
        let long = golden.cases.prefix(12).map(\.text).joined(separator: " ")
        let model = try #require(try await Fixtures.dmeta() as? EmbeddingModel)
        let h = try await ServerHarness.start({ $0.maxInputTokens = 64; $0.autoTruncate = false }) { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()

        var options = EncodeOptions(maxLength: 64)
        options.overflow = .chunkMean
        let want = try model.encode([long, "短句"], options: options)
        let tei = try await h.post("/embed", json: ["inputs": [long, "短句"], "overflow": "chunk-mean"])
        #expect(tei.status == 200, "\(tei.text)")
        let rows = try tei.teiRows()
        #expect(rows.count == 2)
        for (r, w) in zip(rows, want) { #expect(maxAbsDiff(r, w) < 1e-6) }
        let openAI = try await h.post("/v1/embeddings", json: ["input": [long], "model": "m", "overflow": "chunk-mean"])
        let data = try #require((try openAI.json() as? [String: Any])?["data"] as? [[String: Any]])
        #expect(maxAbsDiff(try #require(floats(data[0]["embedding"])), want[0]) < 1e-6)

        // error: 413 naming the ways out; truncate: the response says which inputs were cut.
        let refused = try await h.post("/embed", json: ["inputs": long, "overflow": "error"])
        #expect(refused.status == 413 && refused.text.contains("chunk-mean"), "\(refused.text)")
        let byDefault = try await h.post("/v1/embeddings", json: ["input": long, "model": "m"])
        #expect(byDefault.status == 413)
        let cut = try await h.post("/v1/embeddings", json: ["input": ["short", long], "model": "m", "overflow": "truncate"])
        #expect(cut.status == 200)
        #expect(cut.header("X-Truncated-Inputs") == "1")
        let items = try #require((try cut.json() as? [String: Any])?["data"] as? [[String: Any]])
        #expect(items[0]["truncated"] == nil && items[1]["truncated"] as? Bool == true)
        let teiCut = try await h.post("/embed", json: ["inputs": [long], "truncate": true])
        #expect(teiCut.status == 200 && teiCut.header("X-Truncated-Inputs") == "0")
        for bad in ["chunk", "sometimes"] {
            let r = try await h.post("/embed", json: ["inputs": long, "overflow": bad])
            #expect(r.status == 400, "\(r.text)")
        }
    }
}
