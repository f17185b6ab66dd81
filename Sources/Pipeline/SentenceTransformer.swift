import Foundation
import Tokenizers

/// The modules of a sentence-transformers folder (modules.json), run in order.
public final class SentenceTransformer: @unchecked Sendable {
    public let tokenizer: Tokenizer
    init(tokenizer: Tokenizer) { self.tokenizer = tokenizer }
}
