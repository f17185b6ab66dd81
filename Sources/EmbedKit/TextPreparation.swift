import EmbedKitModels
import Foundation
import EmbedKitHub
import EmbedKitPipeline
import EmbedKitTokenizers

/// One input ready for the engine: token ids (special tokens included), already checked against the
/// vocabulary and the length limit. Only `TextPreparation` makes them, so the engine never re-checks.
public struct PreparedInput: Sendable, Equatable {
    public let ids: [Int]
    /// Leading tokens that are the prompt; pooling leaves them out when the model's Pooling has
    /// `include_prompt: false`.
    public let promptLength: Int
    /// Whether tokens were cut to fit the length limit.
    public let truncated: Bool
    /// Late chunking: token spans of `ids`, one vector each (mean of the final token states over the
    /// span, then the modules after Pooling) in place of the model's pooling; nil: one sentence vector.
    public let spans: [Range<Int>]?
    /// Long late chunking: the windows an input longer than the max length runs in.
    public let window: LateWindow?
    /// What `forward` gives for this input.
    public let head: Head
    /// A pair's token type ids (a cross-encoder's query and document), nil for one text (all type 0).
    public let typeIds: [Int]?

    /// The output an input asks of the engine.
    public enum Head: String, Sendable, Hashable, Codable {
        /// The model's sentence vector (one, or one per late-chunking span).
        case pooled
        /// One vector per token of `ids`, the Transformer's final states before pooling
        /// (sentence-transformers' `output_value="token_embeddings"`).
        case tokens
        /// A sparse vector, as interleaved (index, value) floats (`SparseVector(interleaved:)`).
        case sparse
        /// One ColBERT vector per token after the first (bge-m3's multi-vector output).
        case multiVector = "multi_vector"
    }

    /// Per-token output (`Head.tokens`).
    public var tokenStates: Bool { head == .tokens }

    /// Vectors `forward` gives for this input.
    public var vectorCount: Int {
        switch head {
        case .pooled: return spans?.count ?? 1
        case .tokens: return ids.count
        case .sparse: return 1
        case .multiVector: return max(0, ids.count - 1)
        }
    }

    /// This input with per-token output (no spans: its tokens are the output's rows).
    public func withTokenStates() -> PreparedInput { with(head: .tokens) }

    /// This input asking for `head` (no spans: only pooled output has them).
    public func with(head: Head) -> PreparedInput {
        PreparedInput(ids: ids, promptLength: promptLength, truncated: truncated, head: head)
    }

    /// A pass's vectors (`forward` of `inputs`, in order) split per input: each input's `vectorCount`.
    public static func split(_ vectors: [[Float]], by inputs: [PreparedInput]) -> [ArraySlice<[Float]>] {
        split(vectors, counts: inputs.map(\.vectorCount))
    }

    /// `vectors` cut into consecutive runs of `counts`.
    static func split(_ vectors: [[Float]], counts: [Int]) -> [ArraySlice<[Float]>] {
        var k = vectors.startIndex
        return counts.map { n in
            defer { k += n }
            return vectors[k ..< k + n]
        }
    }

    init(ids: [Int], promptLength: Int, truncated: Bool, spans: [Range<Int>]? = nil, window: LateWindow? = nil,
         head: Head = .pooled, typeIds: [Int]? = nil) {
        precondition(head == .pooled || spans == nil, "only pooled output has spans")
        self.ids = ids
        self.promptLength = promptLength
        self.truncated = truncated
        self.spans = spans
        self.window = window
        self.head = head
        self.typeIds = typeIds
    }
}

/// Which end of an over-long input is cut off, or `none` to refuse it (`EmbedKitError.inputTooLong`).
public enum Truncation: Sendable, Equatable {
    case right, left, none
}

/// One text tokenized as the engine sees it, with offsets into the text the caller gave.
public struct TextEncoding: Sendable {
    public let encoding: Encoding
    /// Per token: Unicode-scalar offsets into the caller's text (before stripping and prompt), or nil
    /// for special tokens and tokens of the prompt.
    public let offsets: [Range<Int>?]
    public let promptLength: Int
}

/// Everything between a caller's text and token ids, as sentence-transformers does it: the prompt
/// (explicit, named, or the model's default), Python's `str.strip()`, `do_lower_case`, the tokenizer as
/// `AutoTokenizer` builds it, truncation at max_seq_length, and the prompt's token count. Needs no
/// weights: `embedkit tokenize`, `bench --tokenizer-only`, `/tokenize` and `encode` all use it.
public struct TextPreparation: Sendable {
    public let tokenizer: Tokenizer
    /// max_seq_length: sentence_bert_config.json, else min(usable positions, model_max_length);
    /// nil when neither says (a tokenizer-only folder): no truncation.
    public let maxSequenceLength: Int?
    /// The longest input the encoder can take (absolute position embeddings); nil: unbounded (ALiBi).
    public let positionLimit: Int?
    /// Ids the model's embedding table has (config.json `vocab_size`, else the tokenizer's).
    public let vocabularySize: Int
    /// The special tokens around every text; token-id inputs must carry them.
    public let specialTokens: SpecialTokenFrame
    /// sentence_bert_config.json `do_lower_case`.
    public let lowercase: Bool
    public let prompts: [String: String]
    public let defaultPromptName: String?
    /// config_sentence_transformers.json `similarity_fn_name`.
    public let similarityFunctionName: String?
    /// Threads for batch tokenization (nil: all cores).
    public var threads: Int?

    /// Reads the tokenizer and the sentence-transformers configuration of a model folder.
    public static func load(folder: URL, threads: Int? = nil) throws -> TextPreparation {
        try EmbedKitError.wrapping { try TextPreparation(folder: folder, threads: threads) }
    }

    /// As `load(folder:)`, for a folder path or a Hub id `org/name[@revision]` (standard cache).
    public static func load(_ pathOrID: String, threads: Int? = nil) async throws -> TextPreparation {
        try load(folder: try await ModelLocation.folder(pathOrID), threads: threads)
    }

    /// Callers wrap the inner modules' errors (`EmbedKitError.wrapping`).
    init(folder: URL, threads: Int?) throws {
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw EmbedKitError.invalidModel(file: folder.path, reason: "no such model folder")
        }
        self.threads = threads
        tokenizer = try Tokenizer.load(from: folder)
        specialTokens = SpecialTokenFrame(tokenizer)
        let config = try JSONFile.object(folder.appendingPathComponent("config.json"))
        // Usable positions: XLM-RoBERTa's position ids start past its padding index (514 hold 512 tokens).
        let offset = config.flatMap { try? TransformerConfig.parse($0, file: "config.json") }?.positionOffset ?? 0
        let positions = (config?["max_position_embeddings"] as? NSNumber).map { $0.intValue - offset }
        let absolute = (config?["position_embedding_type"] as? String ?? "absolute") == "absolute"
        positionLimit = absolute ? positions : nil
        vocabularySize = (config?["vocab_size"] as? NSNumber)?.intValue ?? tokenizer.vocabularySize

        let sbert = try JSONFile.object(folder.appendingPathComponent("sentence_bert_config.json"))
        if let n = (sbert?["max_seq_length"] as? NSNumber)?.intValue, n > 0 {
            maxSequenceLength = n
        } else {
            let bound = min(positions ?? Int.max, tokenizer.modelMaxLength ?? Int.max)
            maxSequenceLength = bound == Int.max ? nil : bound
        }
        lowercase = sbert?["do_lower_case"] as? Bool ?? false

        let st = try JSONFile.object(folder.appendingPathComponent("config_sentence_transformers.json"))
        prompts = st?["prompts"] as? [String: String] ?? [:]
        defaultPromptName = st?["default_prompt_name"] as? String
        similarityFunctionName = st?["similarity_fn_name"] as? String
    }

    // MARK: - Settings

    /// The prompt text: `prompt` if given, else the prompt named `promptName`, else the default prompt.
    public func prompt(_ prompt: String? = nil, named promptName: String? = nil) throws -> String? {
        if let prompt { return prompt }
        if let name = promptName {
            guard let text = prompts[name] else {
                let known = prompts.keys.sorted()
                throw EmbedKitError.invalidField("prompt_name", reason: "unknown prompt name '\(name)'; this model has " +
                    (known.isEmpty ? "no prompts" : "prompts \(known.joined(separator: ", "))"))
            }
            return text
        }
        return defaultPromptName.flatMap { prompts[$0] }
    }

    /// The token limit per input: `override`, else max_seq_length (nil: none), checked against the
    /// position embeddings.
    public func maxLength(_ override: Int? = nil) throws -> Int? {
        guard let limit = override ?? maxSequenceLength else { return nil }
        guard limit >= 2 else { throw EmbedKitError.invalidOption("max length must be at least 2 (got \(limit))") }
        if let positionLimit, limit > positionLimit {
            throw EmbedKitError.invalidOption("max length \(limit) exceeds the model's \(positionLimit) position embeddings")
        }
        return limit
    }

    /// How many leading tokens `prompt` takes in a tokenized input, as sentence-transformers counts it
    /// for `include_prompt: false` (its tokens with special tokens, minus the final one).
    public func promptLength(_ prompt: String?, maxLength: Int?) -> Int {
        guard let prompt else { return 0 }
        return max(0, tokenizer.encode(prompt, maxLength: maxLength).ids.count - 1)
    }

    /// The exact string the tokenizer sees: prompt + text, stripped as Python's `str.strip()`, then
    /// lowercased when sentence_bert_config.json says `do_lower_case`.
    public func tokenizerInput(_ text: String, prompt: String?) -> String {
        PythonString.sentenceTransformersInput((prompt ?? "") + text, lowercase: lowercase)
    }

    // MARK: - Preparing inputs

    /// Tokenizes texts as `encode` does, on `threads` cores, cut or refused past `maxLength` (nil: the
    /// model's limit) according to `truncation`; throws the first input's error.
    public func prepare(_ texts: [String], prompt: String?, maxLength: Int? = nil,
                        truncation: Truncation = .right) throws -> [PreparedInput] {
        try prepareEach(texts, prompt: prompt, maxLength: maxLength, truncation: truncation).map { try $0.get() }
    }

    /// As `prepare`, each text's result on its own: a text refused for its length does not stop the
    /// others. The prompt is tokenized once, the texts in one batch.
    public func prepareEach(_ texts: [String], prompt: String?, maxLength: Int? = nil,
                            truncation: Truncation = .right) throws -> [Result<PreparedInput, EmbedKitError>] {
        let limit = try self.maxLength(maxLength)
        let promptTokens = promptLength(prompt, maxLength: limit)
        let inputs = texts.map { tokenizerInput($0, prompt: prompt) }
        // One token past the limit tells whether anything was cut (the tokenizer stops there).
        let probes = tokenizer.encodeBatch(inputs, maxLength: limit.map { $0 + 1 }, threads: threads)
        return zip(inputs, probes).map { input, probe in
            guard let limit, probe.ids.count > limit else {
                return .success(PreparedInput(ids: probe.ids, promptLength: promptTokens, truncated: false))
            }
            switch truncation {
            case .right:
                // The limit's encoding is the probe less its last content token.
                return .success(PreparedInput(ids: Self.droppingLastContentToken(probe), promptLength: promptTokens, truncated: true))
            case .left:
                // Cut from the left, the prompt is gone: every token is pooled.
                return .success(PreparedInput(ids: Self.keepLast(tokenizer.encode(input), limit: limit), promptLength: 0, truncated: true))
            case .none:
                return .failure(.inputTooLong(tokens: tokenizer.encode(input).ids.count, limit: limit))
            }
        }
    }

    /// The ids of `e` without the last token the post-processor did not add.
    static func droppingLastContentToken(_ e: Encoding) -> [Int] {
        var ids = e.ids
        if let k = e.specialTokensMask.lastIndex(of: 0), e.specialTokensMask.count == ids.count {
            ids.remove(at: k)
        } else {
            ids.removeLast()
        }
        return ids
    }

    /// Already-tokenized input (special tokens included; no prompt is added), checked against the
    /// vocabulary and cut or refused past `maxLength` (nil: the model's limit).
    public func prepare(tokenIDs ids: [Int], promptLength: Int = 0, maxLength: Int? = nil,
                        truncation: Truncation = .none) throws -> PreparedInput {
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw EmbedKitError.unknownToken(bad, vocabularySize: vocabularySize)
        }
        guard promptLength >= 0 && promptLength <= ids.count else {
            throw EmbedKitError.invalidOption("prompt length \(promptLength) for an input of \(ids.count) tokens")
        }
        guard let limit = try self.maxLength(maxLength), ids.count > limit else {
            return PreparedInput(ids: ids, promptLength: promptLength, truncated: false)
        }
        switch truncation {
        case .right: return PreparedInput(ids: Array(ids.prefix(limit)), promptLength: min(promptLength, limit), truncated: true)
        case .left: return PreparedInput(ids: Array(ids.suffix(limit)), promptLength: 0, truncated: true)
        case .none: throw EmbedKitError.inputTooLong(tokens: ids.count, limit: limit)
        }
    }

    /// Keeps the leading and trailing special tokens and the last content tokens.
    static func keepLast(_ e: Encoding, limit: Int) -> [Int] {
        let mask = e.specialTokensMask.count == e.ids.count ? e.specialTokensMask : Array(repeating: 0, count: e.ids.count)
        let leading = mask.prefix(while: { $0 == 1 }).count
        let trailing = min(mask.reversed().prefix(while: { $0 == 1 }).count, e.ids.count - leading)
        let room = max(limit - leading - trailing, 0)
        let content = e.ids[leading..<(e.ids.count - trailing)]
        return Array(e.ids.prefix(leading)) + Array(content.suffix(room)) + Array(e.ids.suffix(trailing))
    }

    // MARK: - Chunks

    /// A text split into chunks with the model's tokenizer, ready for the engine: for `late` pooling one
    /// input over the whole (untruncated) text with a span per chunk, windowed past the max length;
    /// for `independent` one input per chunk's text, prepared as `prepare` does (cut at the max length).
    public func chunk(_ text: String, prompt: String?, options: ChunkingOptions, maxLength: Int? = nil) throws -> ChunkedText {
        try options.validate()
        let limit = try self.maxLength(maxLength)
        if let limit, options.pooling == .late { _ = try options.window(limit: limit) }
        let whole = encode(text, prompt: prompt, maxLength: nil)
        let ids = whole.encoding.ids
        let spans = try Chunker.spans(of: whole, text: text, options: options)
        if spans.isEmpty { return ChunkedText(spans: [], inputs: [], tokenCount: ids.count) }
        switch options.pooling {
        case .late:
            if let bad = ids.first(where: { $0 < 0 || $0 >= vocabularySize }) {
                throw EmbedKitError.unknownToken(bad, vocabularySize: vocabularySize)
            }
            let window = try limit.flatMap { ids.count > $0 ? try options.window(limit: $0) : nil }
            let input = PreparedInput(ids: ids, promptLength: whole.promptLength, truncated: false,
                                      spans: spans.map(\.tokens), window: window)
            return ChunkedText(spans: spans, inputs: [input], tokenCount: ids.count)
        case .independent:
            let scalars = Array(text.unicodeScalars)
            let pieces = spans.map { s in String(String.UnicodeScalarView(scalars[s.characters.clamped(to: 0..<scalars.count)])) }
            let inputs = try prepare(pieces, prompt: prompt, maxLength: maxLength)
            return ChunkedText(spans: spans, inputs: inputs, tokenCount: ids.count)
        }
    }

    /// Jina's `late_chunking`: `pieces` are consecutive chunks of one document. They are joined with
    /// `separator` into one text that runs as one input (windowed past the max length), with one span
    /// per piece: the tokens that end inside it or in the separator before it (the first piece also takes
    /// the leading special tokens and the prompt, the last the trailing ones). A piece that covers no
    /// token is refused.
    public func lateChunks(_ pieces: [String], separator: String = " ", prompt: String?, maxLength: Int? = nil) throws -> ChunkedText {
        guard !pieces.isEmpty else { throw EmbedKitError.invalidOption("late chunking needs at least one piece") }
        var ranges: [Range<Int>] = []
        var position = 0
        let gap = separator.unicodeScalars.count
        for (i, piece) in pieces.enumerated() {
            // A piece's range takes the separator before it, so a token of the separator alone (a
            // byte-level BPE space) goes with the piece it precedes and the spans tile the text.
            let from = position
            if i > 0 { position += gap }
            position += piece.unicodeScalars.count
            ranges.append(from ..< position)
        }
        let options = ChunkingOptions(chunkTokens: max(1, position), boundaries: .spans(ranges), pooling: .late)
        return try chunk(pieces.joined(separator: separator), prompt: prompt, options: options, maxLength: maxLength)
    }

    /// The overflow policy's view of a text: one ordinary input when it fits the max length, else its
    /// chunks (`chunking`, or independent chunks as long as the max length allows).
    public func chunkOnOverflow(_ text: String, prompt: String?, chunking: ChunkingOptions?, maxLength: Int?) throws -> ChunkedText {
        try chunkOnOverflow(text, prepared: prepare([text], prompt: prompt, maxLength: maxLength)[0], prompt: prompt,
                            chunking: chunking, maxLength: maxLength)
    }

    /// `chunkOnOverflow` for a text already prepared with right truncation (`prepared`).
    func chunkOnOverflow(_ text: String, prepared input: PreparedInput, prompt: String?, chunking: ChunkingOptions?,
                         maxLength: Int?) throws -> ChunkedText {
        guard input.truncated, let limit = try self.maxLength(maxLength) else {
            return ChunkedText(whole: input, characters: text.unicodeScalars.count)
        }
        if let chunking { return try chunk(text, prompt: prompt, options: chunking, maxLength: maxLength) }
        // The prompt alone with its special tokens: what every chunk's input adds to its text.
        let added = tokenizer.encode(prompt ?? "", maxLength: nil).ids.count
        // A chunk's text tokenized alone can take a few more tokens than in context (a byte-level BPE
        // word without its leading space): shrink the budget until every chunk fits.
        var budget = max(1, limit - added)
        while true {
            let chunked = try chunk(text, prompt: prompt, options: ChunkingOptions(chunkTokens: budget, pooling: .independent),
                                    maxLength: maxLength)
            if budget == 1 || !chunked.inputs.contains(where: \.truncated) { return chunked }
            budget = max(1, budget - max(1, budget / 16))
        }
    }

    // MARK: - Tokens with offsets

    /// One text tokenized as `prepare` does (truncated at `maxLength` when given), with each token's
    /// offsets mapped back to `text` as the caller gave it.
    public func encode(_ text: String, prompt: String?, maxLength: Int?) -> TextEncoding {
        let joined = Array(((prompt ?? "") + text).unicodeScalars)
        let promptCount = joined.count - text.unicodeScalars.count
        let lead = joined.prefix(while: PythonString.isSpace).count
        let stripped = Array(PythonString.strip(String(String.UnicodeScalarView(joined))).unicodeScalars)
        // Source index (into `stripped`) of every scalar the tokenizer sees, and one past the end.
        var sources: [Int]? = nil
        var input = String(String.UnicodeScalarView(stripped))
        if lowercase {
            var map: [Int] = []
            var lowered = String.UnicodeScalarView()
            for (i, c) in stripped.enumerated() {
                let l = PythonString.lower(String(c)).unicodeScalars
                lowered.append(contentsOf: l)
                map.append(contentsOf: repeatElement(i, count: l.count))
            }
            map.append(stripped.count)
            if map.count != stripped.count + 1 { sources = map }
            input = String(lowered)
        }
        let e = tokenizer.encode(input, maxLength: maxLength)
        let offsets: [Range<Int>?] = e.offsets.indices.map { k in
            if k < e.specialTokensMask.count && e.specialTokensMask[k] == 1 { return nil }
            let r = e.offsets[k]
            let a = sources.map { $0[min(r.lowerBound, $0.count - 1)] } ?? r.lowerBound
            let b = sources.map { r.upperBound == 0 ? 0 : $0[min(r.upperBound - 1, $0.count - 1)] + 1 } ?? r.upperBound
            let start = a + lead - promptCount, end = b + lead - promptCount
            if end <= 0 || r.isEmpty && start < 0 { return nil }
            return max(start, 0)..<end
        }
        return TextEncoding(encoding: e, offsets: offsets, promptLength: promptLength(prompt, maxLength: maxLength))
    }
}

/// A model folder from a path or a Hub id.
enum ModelLocation {
    static func folder(_ pathOrID: String,
                       progress: (@Sendable (Int64, Int64?) -> Void)? = nil) async throws -> URL {
        if HubClient.looksLikeModelID(pathOrID) {
            do {
                return try await HubClient().snapshot(pathOrID, progress: progress)
            } catch {
                throw EmbedKitError.hub("\(error)")
            }
        }
        return URL(fileURLWithPath: (pathOrID as NSString).expandingTildeInPath)
    }
}
