import EmbedKit

extension Overflow {
    /// A request's `overflow` ("truncate", "error", "chunk-mean"; "chunk" is `POST /chunk`).
    init(request s: String) throws {
        guard let o = Overflow(rawValue: s), o != .chunk else {
            throw APIError.invalid(s == "chunk"
                ? "overflow \"chunk\" returns several vectors per input: POST /chunk"
                : "overflow must be \"truncate\", \"error\" or \"chunk-mean\", got \"\(s)\"", param: "overflow")
        }
        self = o
    }
}

extension Truncation {
    /// TEI's `truncation_direction` ("Right" or "Left", any case), when the request allows truncation.
    init(truncate: Bool, direction s: String?) throws {
        switch s?.lowercased() {
        case nil, "right": self = truncate ? .right : .none
        case "left": self = truncate ? .left : .none
        default: throw APIError.invalid("truncation_direction must be \"Right\" or \"Left\", got \"\(s!)\"",
                                        param: "truncation_direction")
        }
    }
}

/// The request-level checks (input count, empty inputs, prompt names, the server's token limit) around
/// the engine's own `TextPreparation`, with errors that name the request field.
struct InputPreparation: Sendable {
    let text: TextPreparation
    let maxInputTokens: Int
    let maxClientBatchSize: Int

    init(backend: any EmbeddingBackend, configuration: ServerConfiguration) {
        text = backend.textPreparation
        let modelMax = backend.info.maxSequenceLength
        maxInputTokens = min(configuration.maxInputTokens ?? modelMax, modelMax)
        maxClientBatchSize = configuration.maxClientBatchSize
    }

    /// The prompt text of `prompt_name` (nil: the model's default prompt).
    func prompt(named name: String?) throws -> String? {
        do {
            return try text.prompt(named: name)
        } catch {
            let known = text.prompts.keys.sorted()
            throw APIError.invalid(
                "unknown prompt_name \"\(name ?? "")\"; this model has " +
                    (known.isEmpty ? "no prompts" : "prompts: " + known.joined(separator: ", ")),
                param: "prompt_name")
        }
    }

    /// Checks the number of inputs (not zero, not more than the limit).
    func checkCount(_ inputs: RequestInputs, param: String) throws {
        if inputs.items.isEmpty { throw APIError.invalid("'\(param)' must not be empty", param: param) }
        if inputs.items.count > maxClientBatchSize {
            throw APIError.tooLarge(
                "'\(param)' has \(inputs.items.count) items; at most \(maxClientBatchSize) are allowed per request",
                param: param)
        }
    }

    /// Engine inputs, each at most `maxInputTokens` long.
    func prepare(_ inputs: RequestInputs, param: String, promptName: String?, truncation: Truncation) throws -> [PreparedInput] {
        try checkCount(inputs, param: param)
        let prompt = try self.prompt(named: promptName)
        return try inputs.items.enumerated().map { index, item in
            try prepare(item, field: field(param, index, of: inputs), param: param, prompt: prompt, truncation: truncation)
        }
    }

    /// `overflow: "chunk-mean"`: each text within `maxInputTokens` as one input, a longer one as
    /// independent chunks that each fit (token-id inputs are never chunked: past the limit, 413).
    func prepareChunks(_ inputs: RequestInputs, param: String, promptName: String?) throws -> [ChunkedText] {
        try checkCount(inputs, param: param)
        let prompt = try self.prompt(named: promptName)
        return try inputs.items.enumerated().map { index, item in
            let field = field(param, index, of: inputs)
            guard case .text(let s) = item, !s.isEmpty else {
                let input = try prepare(item, field: field, param: param, prompt: prompt, truncation: .none)
                return ChunkedText(whole: input, characters: 0)
            }
            do {
                return try text.chunkOnOverflow(s, prompt: prompt, chunking: nil, maxLength: maxInputTokens)
            } catch EmbedKitError.invalidOption(let why) {
                throw APIError.invalid("\(field): \(why)", param: param)
            } catch EmbedKitError.unknownToken(let id, let n) {
                throw Self.outOfVocabulary(field, id, n, param: param)
            }
        }
    }

    /// `late_chunking`: the text inputs as one document's consecutive chunks (joined with a space), one
    /// input with a span per chunk; the whole must fit `maxInputTokens` (else 413, naming `/chunk`).
    func lateChunks(_ inputs: RequestInputs, param: String) throws -> ChunkedText {
        try checkCount(inputs, param: param)
        let pieces = try inputs.items.enumerated().map { i, item -> String in
            guard case .text(let s) = item else {
                throw APIError.invalid("late_chunking takes text inputs, not token ids", param: param)
            }
            if s.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
                throw APIError.invalid("\(field(param, i, of: inputs)) has no text; every chunk needs some", param: param)
            }
            return s
        }
        let chunked: ChunkedText
        do {
            chunked = try text.lateChunks(pieces, prompt: try prompt(named: nil), maxLength: maxInputTokens)
        } catch EmbedKitError.invalidOption(let why) {
            throw APIError.invalid(why, param: param)
        } catch EmbedKitError.unknownToken(let id, let n) {
            throw Self.outOfVocabulary("the text", id, n, param: param)
        }
        if chunked.tokenCount > maxInputTokens {
            throw APIError.tooLarge(
                "with late_chunking the chunks together take \(chunked.tokenCount) tokens; the limit is \(maxInputTokens). " +
                    "Send fewer chunks, or POST /chunk with \"pooling\": \"late\", which runs longer documents in windows",
                param: param)
        }
        return chunked
    }

    private func field(_ param: String, _ index: Int, of inputs: RequestInputs) -> String {
        inputs.items.count == 1 ? "'\(param)'" : "'\(param)[\(index)]'"
    }

    private func prepare(_ item: RequestInput, field: String, param: String, prompt: String?,
                         truncation: Truncation) throws -> PreparedInput {
        do {
            switch item {
            case .text(let s):
                if s.isEmpty { throw APIError.invalid("\(field) is an empty string", param: param) }
                return try text.prepare([s], prompt: prompt, maxLength: maxInputTokens, truncation: truncation)[0]
            case .tokenIDs(let ids):
                if ids.isEmpty { throw APIError.invalid("\(field) is an empty list of token ids", param: param) }
                return try text.prepare(tokenIDs: ids, maxLength: maxInputTokens, truncation: truncation)
            }
        } catch EmbedKitError.inputTooLong(let tokens, _) {
            throw APIError.tooLarge(
                "\(field) has \(tokens) tokens; the limit is \(maxInputTokens). Shorten it, set \"truncate\": true, " +
                    "or \"overflow\": \"chunk-mean\" (one vector) or POST /chunk (one per chunk)",
                param: param)
        } catch EmbedKitError.unknownToken(let id, let n) {
            throw Self.outOfVocabulary(field, id, n, param: param)
        }
    }

    /// 400 for a token id outside the vocabulary, naming the usual cause: a client that tokenized with
    /// another vocabulary (LangChain's `OpenAIEmbeddings` sends tiktoken cl100k ids by default).
    static func outOfVocabulary(_ field: String, _ id: Int, _ size: Int, param: String) -> APIError {
        APIError.invalid(
            "\(field) has token id \(id), outside this model's vocabulary (0..<\(size)). Token-id inputs must be this " +
                "model's own ids (POST /tokenize returns them); a client that tokenized with another vocabulary sends " +
                "wrong ids: send text instead (LangChain's OpenAIEmbeddings: check_embedding_ctx_length=False)",
            param: param)
    }
}
