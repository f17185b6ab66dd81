import EmbedKit

/// Which end of an over-long input is cut off (TEI's `truncation_direction`).
enum TruncationDirection: Sendable {
    case right, left

    init(parsing s: String?) throws {
        switch s?.lowercased() {
        case nil, "right": self = .right
        case "left": self = .left
        default: throw APIError.invalid("truncation_direction must be \"Right\" or \"Left\", got \"\(s!)\"",
                                        param: "truncation_direction")
        }
    }
}

/// One input ready for the engine: its token ids and how many of them are a prompt the server added.
struct PreparedInput: Sendable {
    var ids: [Int]
    var promptLength: Int
}

/// Turns request inputs into token id sequences the engine accepts: prompt prepended, limits enforced,
/// over-long inputs truncated or refused.
struct InputPreparation {
    let backend: any EmbeddingBackend
    let maxInputTokens: Int
    let maxClientBatchSize: Int

    init(backend: any EmbeddingBackend, configuration: ServerConfiguration) {
        self.backend = backend
        let modelMax = backend.info.maxSequenceLength
        self.maxInputTokens = min(configuration.maxInputTokens ?? modelMax, modelMax)
        self.maxClientBatchSize = configuration.maxClientBatchSize
    }

    /// Checks that `prompt_name` names one of the model's prompts.
    func checkPrompt(_ name: String?) throws {
        guard let name, backend.info.prompts[name] == nil else { return }
        let known = backend.info.prompts.keys.sorted()
        throw APIError.invalid(
            "unknown prompt_name \"\(name)\"; this model has " +
                (known.isEmpty ? "no prompts" : "prompts: " + known.joined(separator: ", ")),
            param: "prompt_name")
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

    /// Token ids per input, each at most `maxInputTokens` long, with the length of the prompt in front.
    func prepare(_ inputs: RequestInputs, param: String, promptName: String?, truncate: Bool,
                 direction: TruncationDirection) throws -> [PreparedInput] {
        try checkCount(inputs, param: param)
        try checkPrompt(promptName)
        let vocabulary = backend.vocabularySize
        var promptTokens: Int? = nil    // computed on the first text input
        func withPrompt(_ ids: [Int]) -> PreparedInput {
            if promptTokens == nil { promptTokens = backend.promptLength(promptName: promptName) }
            return PreparedInput(ids: ids, promptLength: promptTokens!)
        }
        return try inputs.items.enumerated().map { index, item -> PreparedInput in
            let where_ = inputs.items.count == 1 ? "'\(param)'" : "'\(param)[\(index)]'"
            switch item {
            case .text(let text):
                if text.isEmpty { throw APIError.invalid("\(where_) is an empty string", param: param) }
                // Shorter than the limit after truncating to it: nothing was cut.
                let cut = backend.tokenize(text, promptName: promptName, maxLength: maxInputTokens)
                if cut.ids.count < maxInputTokens || (truncate && direction == .right) { return withPrompt(cut.ids) }
                let full = backend.tokenize(text, promptName: promptName, maxLength: nil)
                if full.ids.count <= maxInputTokens { return withPrompt(cut.ids) }
                guard truncate else { throw overLong(where_, count: full.ids.count, param: param) }
                // Cut from the left, the prompt is gone: every token is pooled.
                return PreparedInput(ids: truncateLeft(full), promptLength: 0)
            case .tokenIDs(let ids):
                if ids.isEmpty { throw APIError.invalid("\(where_) is an empty list of token ids", param: param) }
                if vocabulary > 0, let bad = ids.first(where: { $0 < 0 || $0 >= vocabulary }) {
                    throw APIError.invalid("\(where_) has token id \(bad), outside the vocabulary (0..<\(vocabulary))",
                                           param: param)
                }
                if ids.count <= maxInputTokens { return PreparedInput(ids: ids, promptLength: 0) }
                guard truncate else { throw overLong(where_, count: ids.count, param: param) }
                return PreparedInput(ids: direction == .right ? Array(ids.prefix(maxInputTokens)) : Array(ids.suffix(maxInputTokens)),
                                     promptLength: 0)
            }
        }
    }

    private func overLong(_ where_: String, count: Int, param: String) -> APIError {
        APIError.tooLarge(
            "\(where_) has \(count) tokens; the limit is \(maxInputTokens). Shorten it or set \"truncate\": true",
            param: param)
    }

    /// Keeps the leading and trailing special tokens and the last content tokens.
    private func truncateLeft(_ e: Encoding) -> [Int] {
        let mask = e.specialTokensMask.count == e.ids.count ? e.specialTokensMask : Array(repeating: 0, count: e.ids.count)
        let leading = mask.prefix(while: { $0 == 1 }).count
        let trailing = min(mask.reversed().prefix(while: { $0 == 1 }).count, e.ids.count - leading)
        let room = max(maxInputTokens - leading - trailing, 0)
        let content = e.ids[leading..<(e.ids.count - trailing)]
        return Array(e.ids.prefix(leading)) + Array(content.suffix(room)) + Array(e.ids.suffix(trailing))
    }
}
