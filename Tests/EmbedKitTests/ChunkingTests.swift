import EmbedKit
import Foundation
import Testing

/// Late and independent chunking against references computed another way: the golden token states of
/// the original implementations, plain mean pooling, and window-by-window token states.
@Suite struct ChunkingTests {
    static let lateFixtures = ["jina-v2-tiny-en", "jina-v2-tiny-zh", "jina-v2-tiny-de", "dmeta-tiny", "xlmr-tiny", "mpnet-tiny",
                               "nomic-tiny", "modernbert-tiny", "qwen3-tiny"]
        + (Fixtures.hasMiniLM ? ["all-MiniLM-L6-v2"] : [])

    static func load(_ name: String) throws -> (EmbeddingModel, Golden) {
        let folder = try #require(Fixtures.folder(name), "fixture \(name) not found")
        return (try EmbeddingModel.load(folder: folder, threads: 2), try Fixtures.golden(folder))
    }

    static func mean(_ rows: ArraySlice<[Float]>, normalize: Bool) -> [Float] {
        var sum = [Float](repeating: 0, count: rows.first!.count)
        for r in rows { for c in sum.indices { sum[c] += r[c] } }
        var out = sum.map { $0 / Float(rows.count) }
        if normalize {
            let n = out.reduce(0) { $0 + $1 * $1 }.squareRoot()
            out = out.map { $0 / max(n, 1e-12) }
        }
        return out
    }

    static func substring(_ text: String, _ r: Range<Int>) -> String {
        let s = Array(text.unicodeScalars)
        return String(String.UnicodeScalarView(s[r]))
    }

    /// Checks the tiling, the token budget, word boundaries and offsets of `chunks` of `text`.
    static func checkSpans(_ chunks: [TextChunk], text: String, model: EmbeddingModel, budget: Int, name: String) {
        let t = model.textPreparation.encode(text, prompt: nil, maxLength: nil)
        let n = t.encoding.ids.count
        let scalars = Array(text.unicodeScalars)
        #expect(chunks.first?.tokenStart == 0 && chunks.last?.tokenEnd == n, "\(name): spans cover [0, \(n))")
        for (a, b) in zip(chunks, chunks.dropFirst()) { #expect(a.tokenEnd == b.tokenStart, "\(name): spans tile in order") }
        for c in chunks {
            let content = (c.tokenStart..<c.tokenEnd).filter { t.offsets[$0] != nil }
            #expect(content.count <= budget, "\(name): \(content.count) content tokens in a chunk of \(budget)")
            // The chunk's characters run from its first token's start to its last token's end.
            #expect(c.start == t.offsets[content.first!]!.lowerBound && c.end == t.offsets[content.last!]!.upperBound,
                    "\(name): chunk offsets \(c.start)..<\(c.end)")
            // Never inside a word: the cut is not between two letters/digits that touch.
            if c.tokenStart > 0, let here = t.offsets[c.tokenStart], let before = t.offsets[c.tokenStart - 1],
               before.upperBound == here.lowerBound {
                let l = scalars[here.lowerBound - 1].properties, r = scalars[here.lowerBound].properties
                let inWord = (l.isAlphabetic || l.numericType != nil) && (r.isAlphabetic || r.numericType != nil)
                    && !(l.isIdeographic || r.isIdeographic)
                // Only a word longer than the budget is cut, so the chunk before the cut is full.
                let previous = chunks.last { $0.tokenEnd == c.tokenStart }
                let full = previous.map { p in (p.tokenStart..<p.tokenEnd).filter { t.offsets[$0] != nil }.count == budget } ?? false
                #expect(!inWord || full, "\(name): chunk at token \(c.tokenStart) splits a word")
            }
        }
    }

    @Test(arguments: lateFixtures)
    func lateChunksAreSpanMeansOfGoldenTokenStates(_ name: String) throws {
        let (model, golden) = try Self.load(name)
        for budget in [2, 3, 5] {
            let texts = golden.token_embeddings.map(\.text)
            let all = try model.chunk(texts, chunking: ChunkingOptions(chunkTokens: budget, pooling: .late))
            for (chunks, c) in zip(all, golden.token_embeddings) {
                Self.checkSpans(chunks, text: c.text, model: model, budget: budget, name: name)
                #expect(chunks.count >= (c.rows.count - 2 + budget - 1) / budget)
                for chunk in chunks {
                    let want = Self.mean(c.rows[chunk.tokens], normalize: golden.normalize)
                    let d = Fixtures.maxAbsDiff(chunk.embedding, want)
                    #expect(d <= 1e-4, "\(name): chunk \(chunk.tokens) of \(c.text.prefix(30)) differs by \(d)")
                }
            }
        }
    }

    /// Late chunks tiling the whole text, weighted by their token counts, are mean pooling of the whole
    /// text: the golden sentence vector of a 3175-token input.
    @Test func tiledLateChunksAverageToMeanPooling() throws {
        let (model, golden) = try Self.load("jina-v2-tiny-en")
        let long = try #require(golden.cases.max { $0.input_ids!.count < $1.input_ids!.count })
        let chunks = try model.chunk([long.text], chunking: ChunkingOptions(chunkTokens: 256, boundaries: .sentences))[0]
        Self.checkSpans(chunks, text: long.text, model: model, budget: 256, name: "jina-v2-tiny-en")
        var sum = [Float](repeating: 0, count: golden.dimension)
        for c in chunks { for k in sum.indices { sum[k] += c.embedding[k] * Float(c.tokens.count) } }
        let mean = sum.map { $0 / Float(long.input_ids!.count) }
        let d = Fixtures.maxAbsDiff(mean, long.embedding)
        #expect(chunks.count >= 13)
        #expect(d <= 1e-4, "token-weighted mean of \(chunks.count) late chunks vs mean pooling: \(d)")
        // Every chunk's characters are the text between its first and last token.
        for c in chunks { #expect(!Self.substring(long.text, c.characters).isEmpty) }
    }

    /// Long late chunking: an input longer than the max length runs in windows of the max length that
    /// overlap by ω; each window after the first drops its first ω states. The reference computes each
    /// window's token states on its own and pools them by hand.
    @Test(arguments: [("jina-v2-tiny-en", 1024, 128), ("jina-v2-tiny-de", 512, 64), ("dmeta-tiny", 256, 32),
                      ("modernbert-tiny", 256, 32), ("qwen3-tiny", 256, 32)])
    func longLateChunkingMatchesWindowByWindowStates(_ name: String, _ limit: Int, _ omega: Int) throws {
        let (model, golden) = try Self.load(name)
        let long = golden.cases.map(\.text).joined(separator: " ")
        let ids = model.textPreparation.encode(long, prompt: nil, maxLength: nil).encoding.ids
        #expect(ids.count > 2 * limit, "\(name): \(ids.count) tokens")
        var options = EncodeOptions(maxLength: limit)
        options.maxBatchTokens = limit
        let chunks = try model.chunk([long], chunking: ChunkingOptions(chunkTokens: 100, windowOverlap: omega), options: options)[0]
        Self.checkSpans(chunks, text: long, model: model, budget: 100, name: name)

        var states: [[Float]] = []
        var start = 0
        while states.count < ids.count {
            let window = Array(ids[start ..< min(start + limit, ids.count)])
            let rows = try model.encodeTokenEmbeddings(tokenIDs: [window], options: EncodeOptions(maxLength: limit))[0]
            states += rows[(states.count - start)...]
            start += limit - omega
        }
        var worst: Float = 0
        for c in chunks { worst = max(worst, Fixtures.maxAbsDiff(c.embedding, Self.mean(states[c.tokens], normalize: golden.normalize))) }
        #expect(worst <= 1e-4, "\(name): \(chunks.count) chunks over \(ids.count) tokens in windows of \(limit): worst |Δ| \(worst)")
    }

    @Test func independentChunksAreTheirTextsEmbedded() throws {
        let (model, golden) = try Self.load("jina-v2-tiny-zh")
        let text = golden.cases.prefix(6).map(\.text).joined(separator: "\n")
        let chunks = try model.chunk([text], chunking: ChunkingOptions(chunkTokens: 12, overlap: 4, pooling: .independent))[0]
        #expect(chunks.count > 3)
        // Up to 4 tokens of overlap, starting at a word (this tokenizer's words can be long).
        for (a, b) in zip(chunks, chunks.dropFirst()) {
            #expect(b.tokenStart <= a.tokenEnd && b.tokenStart >= a.tokenEnd - 4 && b.tokenStart > a.tokenStart, "overlap of at most 4 tokens")
        }
        #expect(zip(chunks, chunks.dropFirst()).filter { $1.tokenStart < $0.tokenEnd }.count >= 3)
        let alone = try model.encode(chunks.map { Self.substring(text, $0.characters) })
        for (c, v) in zip(chunks, alone) { #expect(Fixtures.maxAbsDiff(c.embedding, v) <= 1e-6) }
    }

    @Test func sentenceBoundariesAndCallerSpans() throws {
        let (model, _) = try Self.load("jina-v2-tiny-en")
        let text = "  The cat sat. It was warm! Was it? Yes… the end.  "
        let expected = [8: ["The cat sat. It was warm!", "Was it? Yes… the end."],
                        7: ["The cat sat.", "It was warm! Was it?", "Yes… the end."],
                        6: ["The cat sat.", "It was warm!", "Was it? Yes…", "the end."],
                        3: ["The cat sat", ".", "It was warm", "!", "Was it?", "Yes…", "the end."]]
        for (budget, want) in expected {
            let chunks = try model.chunk([text], chunking: ChunkingOptions(chunkTokens: budget, boundaries: .sentences))[0]
            let pieces = chunks.map { Self.substring(text, $0.characters) }
            #expect(pieces == want, "budget \(budget)")
        }
        let spans = [2..<14, 15..<27, 28..<49]
        let given = try model.chunk([text], chunking: ChunkingOptions(chunkTokens: 8, boundaries: .spans(spans)))[0]
        #expect(given.map(\.characters) == spans)
        #expect(given.first?.tokenStart == 0)
        #expect(throws: EmbedKitError.self) {
            _ = try model.chunk([text], chunking: ChunkingOptions(chunkTokens: 8, boundaries: .spans([0..<1])))
        }
    }

    @Test func overflowPolicies() throws {
        let (model, golden) = try Self.load("jina-v2-tiny-de")
        let long = try #require(golden.cases.max { $0.input_ids!.count < $1.input_ids!.count }).text
        var options = EncodeOptions(maxLength: 64)
        options.overflow = .error
        #expect(throws: EmbedKitError.self) { _ = try model.encode([long], options: options) }
        options.overflow = .truncate
        let cut = try model.encodeChunks([long], options: options)[0]
        #expect(cut.count == 1 && cut[0].truncated && cut[0].tokenEnd == 64)
        options.overflow = .chunk
        #expect(throws: EmbedKitError.self) { _ = try model.encode([long], options: options) }
        let chunks = try model.encodeChunks([long, "kurz"], options: options)
        #expect(chunks[1].count == 1 && !chunks[1][0].truncated)
        #expect(chunks[0].count > 10 && chunks[0].allSatisfy { !$0.truncated }, "chunks fit 64 tokens with their special tokens")
        options.overflow = .chunkMean
        let mean = try model.encode([long], options: options)[0]
        var want = [Float](repeating: 0, count: mean.count)
        let total = Float(chunks[0].reduce(0) { $0 + $1.tokens.count })
        for c in chunks[0] { for k in want.indices { want[k] += c.embedding[k] * Float(c.tokens.count) / total } }
        #expect(Fixtures.maxAbsDiff(mean, want) <= 1e-6)
    }

    @Test func invalidChunkingIsRefused() throws {
        let (model, _) = try Self.load("jina-v2-tiny-en")
        for bad in [ChunkingOptions(chunkTokens: 0), ChunkingOptions(chunkTokens: 4, overlap: 4),
                    ChunkingOptions(chunkTokens: 4, windowOverlap: 9000)] {
            #expect(throws: EmbedKitError.self) {
                _ = try model.chunk([String(repeating: "word ", count: 3000)], chunking: bad, options: EncodeOptions(maxLength: 512))
            }
        }
        // A text with no tokens of its own has no chunks, and does not stop the texts after it.
        let none = try model.chunk(["   ", "", "a few words"], chunking: ChunkingOptions(chunkTokens: 4))
        #expect(none[0].isEmpty && none[1].isEmpty && !none[2].isEmpty)
    }
}
