import EmbedKitTokenizers

/// The special tokens a model's tokenizer puts around every text (`[CLS]` … `[SEP]` for BERT, `<s>` …
/// `</s>` for XLM-RoBERTa; nothing for a tokenizer without a post-processor). Token-id inputs must carry
/// them too: ids that lack them were almost always made by another tokenizer (an OpenAI client's
/// tiktoken ids), and a model fed them returns a vector that means nothing, so they are refused.
public struct SpecialTokenFrame: Sendable, Equatable {
    public let leading: [Int]
    public let trailing: [Int]

    public init(leading: [Int], trailing: [Int]) {
        self.leading = leading
        self.trailing = trailing
    }

    /// The frame of `tokenizer`, read from its encoding of a one-letter text.
    init(_ tokenizer: Tokenizer) {
        let e = tokenizer.encode("a")
        guard e.specialTokensMask.count == e.ids.count else { leading = []; trailing = []; return }
        let first = e.specialTokensMask.prefix(while: { $0 == 1 }).count
        let last = min(e.specialTokensMask.reversed().prefix(while: { $0 == 1 }).count, e.ids.count - first)
        leading = Array(e.ids.prefix(first))
        trailing = Array(e.ids.suffix(last))
    }

    /// Refuses `ids` that do not begin with `leading` and end with `trailing`.
    public func check(_ ids: [Int]) throws {
        let fits = ids.count >= leading.count + trailing.count
            && ids.prefix(leading.count).elementsEqual(leading) && ids.suffix(trailing.count).elementsEqual(trailing)
        if !fits { throw EmbedKitError.missingSpecialTokens(leading: leading, trailing: trailing) }
    }
}
