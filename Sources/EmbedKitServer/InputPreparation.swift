import EmbedKit

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
        return try inputs.items.enumerated().map { index, item -> PreparedInput in
            let field = inputs.items.count == 1 ? "'\(param)'" : "'\(param)[\(index)]'"
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
                    "\(field) has \(tokens) tokens; the limit is \(maxInputTokens). Shorten it or set \"truncate\": true",
                    param: param)
            } catch EmbedKitError.unknownToken(let id, let n) {
                throw APIError.invalid("\(field) has token id \(id), outside the vocabulary (0..<\(n))", param: param)
            }
        }
    }
}
