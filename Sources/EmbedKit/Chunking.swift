import EmbedKitPipeline

/// Where chunks may end.
public enum ChunkBoundaries: Sendable, Equatable {
    /// Up to `chunkTokens` tokens per chunk, cut between words.
    case tokens
    /// Whole sentences packed up to `chunkTokens` tokens; a longer sentence is cut between words.
    case sentences
    /// The caller's Unicode-scalar ranges of the text, one chunk each, in the order given.
    case spans([Range<Int>])
}

/// How each chunk gets its vector.
public enum ChunkPooling: String, Sendable, CaseIterable {
    /// One forward pass over the whole text; each chunk is the mean of the final token states over its
    /// span (late chunking, Günther et al. 2024), then the modules after Pooling (Dense, Normalize).
    /// The first chunk's span includes the leading special tokens (and the prompt), the last the
    /// trailing ones. Texts longer than the max length run in overlapping windows (`LateWindow`).
    case late
    /// Each chunk's text embedded on its own, with its special tokens, as `encode` embeds a sentence.
    case independent
}

/// How `EmbeddingModel.chunk` splits and pools a text.
public struct ChunkingOptions: Sendable, Equatable {
    /// Tokens per chunk at most (special tokens and the prompt not counted). A single word longer
    /// than this is the only thing ever cut inside a word.
    public var chunkTokens: Int
    /// Tokens a chunk repeats from the end of the previous one (at most; cut at a word start).
    public var overlap: Int
    public var boundaries: ChunkBoundaries
    public var pooling: ChunkPooling
    /// Long late chunking: tokens of left context each window after the first re-reads (ω); nil:
    /// a quarter of the max length, at most 256.
    public var windowOverlap: Int?

    public init(chunkTokens: Int, overlap: Int = 0, boundaries: ChunkBoundaries = .tokens, pooling: ChunkPooling = .late,
                windowOverlap: Int? = nil) {
        self.chunkTokens = chunkTokens
        self.overlap = overlap
        self.boundaries = boundaries
        self.pooling = pooling
        self.windowOverlap = windowOverlap
    }

    func validate() throws {
        guard chunkTokens >= 1 else { throw EmbedKitError.invalidOption("chunk tokens must be at least 1 (got \(chunkTokens))") }
        guard overlap >= 0 && overlap < chunkTokens else {
            throw EmbedKitError.invalidOption("overlap must be between 0 and chunk tokens - 1 (got \(overlap) with \(chunkTokens) chunk tokens)")
        }
    }

    /// The windows of long late chunking for a max length of `limit` tokens.
    func window(limit: Int) throws -> LateWindow {
        let omega = windowOverlap ?? min(256, limit / 4)
        guard omega >= 0 && omega < limit else {
            throw EmbedKitError.invalidOption("window overlap must be between 0 and the max length - 1 (\(limit - 1)), got \(omega)")
        }
        return LateWindow(size: limit, overlap: omega)
    }
}

/// One chunk of a text and its vector.
public struct TextChunk: Sendable, Equatable {
    /// Unicode-scalar offsets into the text as the caller gave it: `text[start..<end]` is the chunk.
    public let start: Int
    public let end: Int
    /// The chunk's span in the model input of the whole text (special tokens included; [CLS] is 0).
    public let tokenStart: Int
    public let tokenEnd: Int
    public var embedding: [Float]
    /// Whether the chunk's input lost tokens to the max length (only `independent` chunks can).
    public let truncated: Bool

    public var characters: Range<Int> { start..<end }
    public var tokens: Range<Int> { tokenStart..<tokenEnd }
}

/// A chunk's place in a text, before it has a vector.
public struct ChunkSpan: Sendable, Equatable {
    public let tokens: Range<Int>
    public let characters: Range<Int>
}

/// A text made ready for the engine as chunks: the inputs to run (one with a span per chunk for late
/// pooling, one per chunk for independent pooling, or the text itself when it was not chunked), and
/// how their vectors (one per span, from `forward`) become `TextChunk`s.
public struct ChunkedText: Sendable {
    public let spans: [ChunkSpan]
    public let inputs: [PreparedInput]
    /// Model-input tokens of the whole text.
    public let tokenCount: Int

    /// Vectors the inputs give, in order (`forward` gives one per span, or one per token).
    public var vectorCount: Int { inputs.reduce(0) { $0 + $1.vectorCount } }

    /// Tokens of the inputs the engine runs (every chunk's input; the text's own count when not chunked).
    public var inputTokens: Int { inputs.reduce(0) { $0 + $1.ids.count } }

    init(spans: [ChunkSpan], inputs: [PreparedInput], tokenCount: Int) {
        self.spans = spans
        self.inputs = inputs
        self.tokenCount = tokenCount
    }

    /// An input not chunked: one span over all of it.
    public init(whole input: PreparedInput, characters: Int) {
        self.init(spans: [ChunkSpan(tokens: 0..<input.ids.count, characters: 0..<characters)], inputs: [input],
                  tokenCount: input.ids.count)
    }

    /// The same text with per-token output (`EmbeddingRequest.Output.tokenEmbeddings`).
    func withTokenStates() -> ChunkedText { with(head: .tokens) }

    /// The same text asking for `head` of each input.
    func with(head: PreparedInput.Head) -> ChunkedText {
        ChunkedText(spans: spans, inputs: inputs.map { $0.with(head: head) }, tokenCount: tokenCount)
    }

    /// `overflow: chunk-mean`: the chunks' vectors averaged with their token counts as weights,
    /// L2-normalized when `normalize` (a model that normalizes its sentence vectors). A text that was not
    /// chunked keeps its one vector exactly as `encode` gives it.
    public func mean(_ vectors: ArraySlice<[Float]>, normalize: Bool) -> [Float] {
        precondition(vectors.count == spans.count, "one vector per chunk")
        if vectors.count == 1 { return vectors[vectors.startIndex] }
        guard let width = vectors.first?.count else { return [] }
        var sum = [Float](repeating: 0, count: width)
        let total = Float(max(spans.reduce(0) { $0 + $1.tokens.count }, 1))
        for (v, s) in zip(vectors, spans) {
            let w = Float(s.tokens.count) / total
            for c in 0..<width { sum[c] += v[c] * w }
        }
        if normalize { Normalize.apply(&sum) }
        return sum
    }

    /// The chunks, given the `vectorCount` vectors `forward` returned for `inputs`.
    public func chunks(_ vectors: ArraySlice<[Float]>) -> [TextChunk] {
        precondition(vectors.count == spans.count, "one vector per chunk")
        let truncated: [Bool] = inputs.count == spans.count ? inputs.map(\.truncated) : Array(repeating: inputs.first?.truncated ?? false, count: spans.count)
        return zip(spans, zip(vectors, truncated)).map { s, v in
            TextChunk(start: s.characters.lowerBound, end: s.characters.upperBound, tokenStart: s.tokens.lowerBound,
                      tokenEnd: s.tokens.upperBound, embedding: v.0, truncated: v.1)
        }
    }
}

/// Chunk boundaries from a text's tokens: cut points between words (never inside one unless a word
/// alone is longer than a chunk), sentence starts preferred with `.sentences`.
enum Chunker {
    static func spans(of t: TextEncoding, text: String, options: ChunkingOptions) throws -> [ChunkSpan] {
        let e = t.encoding
        let n = e.ids.count
        let special = { (k: Int) in k < e.specialTokensMask.count && e.specialTokensMask[k] == 1 }
        var lead = 0
        while lead < n && special(lead) { lead += 1 }
        lead = max(lead, min(t.promptLength, n))
        var tail = n
        while tail > lead && special(tail - 1) { tail -= 1 }
        // A text with no tokens of its own (empty, whitespace) has no chunks; given spans must each cover one.
        guard lead < tail else {
            if case .spans = options.boundaries { throw EmbedKitError.invalidOption("the text has no tokens to chunk") }
            return []
        }

        var ranges: [Range<Int>]
        switch options.boundaries {
        case .spans(let chars):
            ranges = try chars.enumerated().map { i, c in
                // A token belongs to the span holding its last character: a byte-level BPE token that
                // carries the space before a word goes with that word.
                let inside = (lead..<tail).filter { k in t.offsets[k].map { !$0.isEmpty && c.contains($0.upperBound - 1) } ?? false }
                guard let a = inside.first, let b = inside.last else {
                    throw EmbedKitError.invalidOption("span \(i) (\(c.lowerBound)..<\(c.upperBound)) covers no token of the text")
                }
                return a..<(b + 1)
            }
        case .tokens, .sentences:
            let words = wordStarts(e, lead: lead, tail: tail)
            var preferred = words
            if options.boundaries == .sentences {
                let scalars = Array(text.unicodeScalars)
                preferred = tokenIndices(at: SentenceSplitter.sentenceStarts(scalars), t, lead: lead, tail: tail)
                    .filter(Set(words).contains)
                preferred = Array(Set(preferred + [lead, tail])).sorted()
            }
            ranges = pack(lead: lead, tail: tail, preferred: preferred, words: words, size: options.chunkTokens,
                          overlap: options.overlap)
        }
        return ranges.map { r in
            let tokens = (r.lowerBound == lead ? 0 : r.lowerBound)..<(r.upperBound == tail ? n : r.upperBound)
            let characters: Range<Int>
            if case .spans(let chars) = options.boundaries, let i = ranges.firstIndex(of: r) {
                characters = chars[i]
            } else {
                let located = r.compactMap { t.offsets[$0] }
                characters = (located.first?.lowerBound ?? 0)..<(located.last?.upperBound ?? 0)
            }
            return ChunkSpan(tokens: tokens, characters: characters)
        }
    }

    /// Token indices in lead...tail where a word starts (tail included: the end is a cut point).
    static func wordStarts(_ e: Encoding, lead: Int, tail: Int) -> [Int] {
        var starts = [lead]
        for k in (lead + 1)..<max(tail, lead + 1) {
            let w = k < e.wordIDs.count ? e.wordIDs[k] : nil
            let previous = k - 1 < e.wordIDs.count ? e.wordIDs[k - 1] : nil
            if w == nil || w != previous { starts.append(k) }
        }
        if starts.last != tail { starts.append(tail) }
        return starts
    }

    /// The first token at or after each character offset.
    static func tokenIndices(at characters: [Int], _ t: TextEncoding, lead: Int, tail: Int) -> [Int] {
        var out: [Int] = []
        var k = lead
        for c in characters {
            while k < tail && (t.offsets[k]?.lowerBound ?? Int.min) < c { k += 1 }
            out.append(k)
        }
        return out
    }

    /// Greedy packing of lead..<tail into runs of at most `size` tokens ending at `preferred` cut points
    /// where one fits, else at `words`, else mid-word; each next run starts up to `overlap` tokens back.
    static func pack(lead: Int, tail: Int, preferred: [Int], words: [Int], size: Int, overlap: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var pos = lead
        while pos < tail {
            let limit = min(pos + size, tail)
            let end = last(in: preferred, after: pos, upTo: limit) ?? last(in: words, after: pos, upTo: limit) ?? limit
            out.append(pos..<end)
            if end == tail { break }
            guard overlap > 0 else { pos = end; continue }
            let from = max(end - overlap, pos + 1)
            pos = first(in: preferred, from: from, before: end) ?? first(in: words, from: from, before: end) ?? end
        }
        return out
    }

    /// Index of the first element of sorted `a` that is >= x.
    private static func lowerBound(_ a: [Int], _ x: Int) -> Int {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The largest element of sorted `a` in (after, upTo].
    private static func last(in a: [Int], after: Int, upTo: Int) -> Int? {
        let i = lowerBound(a, upTo + 1) - 1
        return i >= 0 && a[i] > after ? a[i] : nil
    }

    /// The smallest element of sorted `a` in [from, before).
    private static func first(in a: [Int], from: Int, before: Int) -> Int? {
        let i = lowerBound(a, from)
        return i < a.count && a[i] < before ? a[i] : nil
    }
}
