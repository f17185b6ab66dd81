import Foundation

/// The result of tokenizing one text, as Hugging Face `tokenizers` returns it
/// (special tokens included, no padding).
public struct Encoding: Sendable, Equatable {
    public var ids: [Int]
    public var typeIds: [Int]
    public var tokens: [String]
    /// Character offsets (Unicode scalar indices, as Python's `str`) into the original text;
    /// special tokens get (0, 0).
    public var offsets: [Range<Int>]
    public var specialTokensMask: [Int]
    /// All ones: encodings are never padded; batching code pads.
    public var attentionMask: [Int] { Array(repeating: 1, count: ids.count) }

    public init(ids: [Int], typeIds: [Int], tokens: [String], offsets: [Range<Int>], specialTokensMask: [Int]) {
        self.ids = ids
        self.typeIds = typeIds
        self.tokens = tokens
        self.offsets = offsets
        self.specialTokensMask = specialTokensMask
    }
}

public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(String)
    case invalidFile(file: String, reason: String)
    case unsupportedComponent(file: String, kind: String, type: String)

    public var description: String {
        switch self {
        case .fileNotFound(let p): return "no tokenizer found: \(p) (need tokenizer.json, or vocab.txt + tokenizer_config.json)"
        case .invalidFile(let f, let r): return "\(f): \(r)"
        case .unsupportedComponent(let f, let k, let t): return "\(f): unsupported \(k) type '\(t)'"
        }
    }
}

/// A tokenizer loaded from a model folder, as transformers' `AutoTokenizer` does, with
/// sentence-transformers' call conventions: the truncation and padding baked into tokenizer.json are
/// ignored; truncation to `maxLength` keeps the special tokens.
public final class Tokenizer: @unchecked Sendable {
    /// `model_max_length` from tokenizer_config.json, if any.
    public let modelMaxLength: Int?

    init(modelMaxLength: Int?) {
        self.modelMaxLength = modelMaxLength
    }

    /// Loads tokenizer.json, or vocab.txt + tokenizer_config.json, from `folder`.
    public static func load(from folder: URL) throws -> Tokenizer {
        throw TokenizerError.fileNotFound(folder.path)
    }

    /// Encodes one text with special tokens, truncated to `maxLength` tokens (specials included) when given.
    public func encode(_ text: String, maxLength: Int? = nil) -> Encoding {
        Encoding(ids: [], typeIds: [], tokens: [], offsets: [], specialTokensMask: [])
    }

    /// Encodes many texts on several cores; the result is in input order.
    public func encodeBatch(_ texts: [String], maxLength: Int? = nil) -> [Encoding] {
        texts.map { encode($0, maxLength: maxLength) }
    }

    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) -> String { "" }
    public func tokenToId(_ token: String) -> Int? { nil }
    public func idToToken(_ id: Int) -> String? { nil }
    public var vocabularySize: Int { 0 }
}
