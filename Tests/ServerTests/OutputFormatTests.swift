import EmbedKit
import EmbedKitServer
import Foundation
import Testing

/// Quantized encodings, several Matryoshka sizes and Jina's Embedding API fields on both embedding
/// routes, against the library (whose quantization is checked against sentence-transformers in
/// EmbedKitTests) on the real dmeta-tiny model.
@Suite(.serialized) struct OutputFormatTests {
    static let texts = ["How is the weather today?", "今天天气怎么样?", "胡子长得太快怎么办？", "在香港哪里买手表好"]

    static func integers(_ any: Any?) -> [Int]? { (any as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } }

    static func openAIData(_ r: ServerHarness.Reply) throws -> [[String: Any]] {
        #expect(r.status == 200, "\(r.text)")
        return try #require((try r.json() as? [String: Any])?["data"] as? [[String: Any]])
    }

    @Test func quantizedEncodingsOnBothRoutes() async throws {
        let model = try #require(try await Fixtures.dmeta() as? EmbeddingModel)
        let h = try await ServerHarness.start { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        let full = try await h.post("/v1/embeddings", json: ["input": Self.texts, "model": "m"]).openAIRows()

        for p in [EmbeddingPrecision.int8, .uint8, .binary, .ubinary] {
            let want = try Quantization.quantize(full, precision: p)
            for field in ["encoding_format", "embedding_type"] {
                let data = try Self.openAIData(try await h.post("/v1/embeddings", json: ["input": Self.texts, "model": "m", field: p.rawValue]))
                #expect(data.map { Self.integers($0["embedding"]) ?? [] } == want, "\(field) \(p.rawValue)")
            }
            let tei = try await h.post("/embed", json: ["inputs": Self.texts, "encoding_format": p.rawValue])
            #expect(tei.status == 200, "\(tei.text)")
            #expect((try tei.json() as? [Any])?.map { Self.integers($0) ?? [] } == want, "/embed \(p.rawValue)")
        }

        // Calibration ranges given by the client are used as given.
        let ranges = QuantizationRanges(minimum: [Float](repeating: -0.3, count: 48), maximum: [Float](repeating: 0.3, count: 48))
        let calibrated = try await h.post("/v1/embeddings", json: ["input": Self.texts, "model": "m", "encoding_format": "int8",
                                                                   "quantization_ranges": [ranges.minimum, ranges.maximum]])
        #expect(try Self.openAIData(calibrated).map { Self.integers($0["embedding"]) ?? [] }
                    == Quantization.quantize(full, precision: .int8, ranges: ranges))

        let bad: [[String: Any]] = [
            ["encoding_format": "int4"],
            ["encoding_format": "base64", "embedding_type": "binary"],
            ["encoding_format": "binary", "quantization_ranges": [ranges.minimum, ranges.maximum]],
            ["encoding_format": "int8", "quantization_ranges": [ranges.minimum]],
            ["encoding_format": "int8", "quantization_ranges": [[0.1], [0.2]]],
        ]
        for extra in bad {
            let r = try await h.post("/v1/embeddings", json: ["input": Self.texts, "model": "m"].merging(extra) { $1 })
            #expect(r.status == 400, "\(extra): \(r.status) \(r.text)")
        }
    }

    @Test func severalMatryoshkaSizesOnBothRoutes() async throws {
        let model = try #require(try await Fixtures.dmeta() as? EmbeddingModel)
        let h = try await ServerHarness.start { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        let sizes = [8, 16, 48]
        let want = try model.encode(Self.texts, dimensions: sizes)

        let data = try Self.openAIData(try await h.post("/v1/embeddings", json: ["input": Self.texts, "model": "m", "dimensions": sizes]))
        let tei = try await h.post("/embed", json: ["inputs": Self.texts, "dimensions": sizes])
        #expect(tei.status == 200, "\(tei.text)")
        let teiItems = try #require(try tei.json() as? [[String: Any]])
        for (i, perSize) in want.enumerated() {
            let keyed = try #require(data[i]["embeddings"] as? [String: Any])
            #expect(data[i]["embedding"] == nil)
            for (k, v) in zip(sizes, perSize) {
                #expect(maxAbsDiff(try #require(floats(keyed[String(k)])), v) < 1e-6, "openai k=\(k)")
                #expect(maxAbsDiff(try #require(floats(teiItems[i][String(k)])), v) < 1e-6, "tei k=\(k)")
            }
        }
        // Each size equals a request for that size alone.
        let eight = try await h.post("/v1/embeddings", json: ["input": Self.texts, "model": "m", "dimensions": 8]).openAIRows()
        for (i, row) in eight.enumerated() { #expect(maxAbsDiff(row, want[i][0]) < 1e-6) }
        // Quantized per size, each size with its own batch ranges.
        let binary = try Self.openAIData(try await h.post("/v1/embeddings", json: ["input": Self.texts, "model": "m",
                                                                                    "dimensions": [8, 16], "encoding_format": "ubinary"]))
        #expect(binary.map { Self.integers(($0["embeddings"] as? [String: Any])?["16"]) ?? [] }
                    == (try Quantization.quantize(want.map { $0[1] }, precision: .ubinary)))

        for bad in [[Int](), [8, 8], [0], [49]] {
            let r = try await h.post("/v1/embeddings", json: ["input": Self.texts, "model": "m", "dimensions": bad])
            #expect(r.status == 400, "\(bad): \(r.text)")
        }
    }

    /// Jina's Embedding API: `late_chunking` pools each input over its own tokens in one pass over
    /// the joined inputs; `{"text": ...}` inputs; `truncate` as the overflow policy.
    @Test func jinaEmbeddingAPIFields() async throws {
        let model = try #require(try await Fixtures.dmeta() as? EmbeddingModel)
        let h = try await ServerHarness.start({ $0.maxInputTokens = 64; $0.autoTruncate = false }) { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        let pieces = ["The weather is fine today.", "今天天气怎么样?", "We went for a walk."]
        let want = try model.encodeLateChunks(pieces)
        let chunked = try model.textPreparation.lateChunks(pieces, prompt: nil)

        for input in [pieces as Any, pieces.map { ["text": $0] } as Any] {
            let r = try await h.post("/v1/embeddings", json: ["input": input, "model": "m", "late_chunking": true])
            let data = try Self.openAIData(r)
            #expect(data.count == pieces.count)
            for (d, w) in zip(data, want) { #expect(maxAbsDiff(try #require(floats(d["embedding"])), w) < 1e-6) }
            let usage = (try r.json() as? [String: Any])?["usage"] as? [String: Any]
            #expect(usage?["prompt_tokens"] as? Int == chunked.tokenCount)
        }
        // Late chunks differ from the pieces embedded alone: each knows its context.
        let alone = try model.encode(pieces)
        #expect(zip(alone, want).contains { maxAbsDiff($0, $1) > 1e-3 })

        let long = Array(repeating: "The weather is fine today and we went for a long walk.", count: 12)
        let tooLong = try await h.post("/v1/embeddings", json: ["input": long, "model": "m", "late_chunking": true])
        #expect(tooLong.status == 413 && tooLong.text.contains("/chunk"), "\(tooLong.text)")
        for body in [["input": [[101, 102]], "late_chunking": true], ["input": ["a", " "], "late_chunking": true],
                     ["input": ["a"], "late_chunking": true, "overflow": "truncate"]] as [[String: Any]] {
            let r = try await h.post("/v1/embeddings", json: body)
            #expect(r.status == 400, "\(body): \(r.text)")
        }

        let joined = long.joined(separator: " ")
        let refused = try await h.post("/v1/embeddings", json: ["input": joined, "model": "m", "truncate": false])
        #expect(refused.status == 413)
        let cut = try await h.post("/v1/embeddings", json: ["input": joined, "model": "m", "truncate": true, "normalized": true])
        #expect(cut.status == 200 && cut.header("X-Truncated-Inputs") == "0")
    }

    /// `normalized: false` returns the model's own vectors (jina-v2-tiny-en has no Normalize module).
    @Test func jinaNormalizedFalse() async throws {
        let model = try #require(try await Fixtures.Cache.shared.model("jina-v2-tiny-en") as? EmbeddingModel)
        let h = try await ServerHarness.start { model }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        let raw = try model.encode(Self.texts)
        let unit = try model.encode(Self.texts, options: EncodeOptions(normalizeEmbeddings: true))
        let off = try await h.post("/v1/embeddings", json: ["input": Self.texts, "model": "m", "normalized": false]).openAIRows()
        let on = try await h.post("/v1/embeddings", json: ["input": Self.texts, "model": "m"]).openAIRows()
        for i in raw.indices {
            #expect(maxAbsDiff(off[i], raw[i]) < 1e-6)
            #expect(maxAbsDiff(on[i], unit[i]) < 1e-6)
        }
        #expect(zip(raw, unit).contains { maxAbsDiff($0, $1) > 1e-3 }, "the model's vectors are not unit length")
    }
}
