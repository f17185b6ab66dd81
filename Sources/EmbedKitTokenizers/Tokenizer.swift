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
    /// Per token, the index of the pre-tokenizer word it came from (HF's `word_ids()`); nil for the
    /// tokens the post-processor adds. Chunking never cuts between tokens of one word.
    public var wordIDs: [Int?]

    public init(ids: [Int], typeIds: [Int], tokens: [String], offsets: [Range<Int>], specialTokensMask: [Int],
                wordIDs: [Int?]? = nil) {
        self.wordIDs = wordIDs ?? Array(repeating: nil, count: ids.count)
        self.ids = ids
        self.typeIds = typeIds
        self.tokens = tokens
        self.offsets = offsets
        self.specialTokensMask = specialTokensMask
    }

    mutating func reserveCapacity(_ n: Int) {
        ids.reserveCapacity(n); typeIds.reserveCapacity(n); tokens.reserveCapacity(n)
        offsets.reserveCapacity(n); specialTokensMask.reserveCapacity(n); wordIDs.reserveCapacity(n)
    }

    /// The tokens in `range`.
    func slice(_ range: Range<Int>) -> Encoding {
        Encoding(ids: Array(ids[range]), typeIds: Array(typeIds[range]), tokens: Array(tokens[range]),
                 offsets: Array(offsets[range]), specialTokensMask: Array(specialTokensMask[range]), wordIDs: Array(wordIDs[range]))
    }

    mutating func truncate(to n: Int) {
        guard ids.count > n else { return }
        let k = max(0, n)
        ids.removeSubrange(k...); typeIds.removeSubrange(k...); tokens.removeSubrange(k...)
        offsets.removeSubrange(k...); specialTokensMask.removeSubrange(k...); wordIDs.removeSubrange(k...)
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
    /// The added tokens (tokenizer.json `added_tokens`, or the special tokens of a vocab.txt tokenizer).
    public let addedTokens: [AddedToken]
    /// Id of the padding token (tokenizer_config `pad_token`, else `[PAD]` / `<pad>`), if known.
    public let padTokenId: Int?

    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let model: TokenizerModel
    let postProcessor: PostProcessor?
    let decoder: Decoder?
    let addedVocabulary: AddedVocabulary
    /// `preTokenizer` when it only splits (words are views), or when it is `ByteLevel`.
    private let splitter: SplittingPreTokenizer?
    private let byteLevel: ByteLevel?
    /// For a `Sequence` of splitters ending in `ByteLevel` without prefix space (GPT-4 / Qwen style):
    /// the splitters, whose words ByteLevel then maps to bytes.
    private let splitterBeforeByteLevel: SplittingPreTokenizer?
    /// Token text by id: added tokens over model tokens ("" where neither has the id).
    private let tokenStrings: [String]

    init(modelMaxLength: Int?, normalizer: Normalizer?, preTokenizer: PreTokenizer?, model: TokenizerModel,
         postProcessor: PostProcessor?, decoder: Decoder?, addedTokens: [AddedToken], padToken: String?) {
        self.modelMaxLength = modelMaxLength
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.addedTokens = addedTokens
        self.addedVocabulary = AddedVocabulary(tokens: addedTokens, normalizer: normalizer)
        self.splitter = preTokenizer as? SplittingPreTokenizer
        if let seq = preTokenizer as? PreTokenizerSequence, let last = seq.preTokenizers.last as? ByteLevel,
           !last.addPrefixSpace, seq.preTokenizers.count > 1 {
            let firsts = seq.preTokenizers.dropLast().compactMap { $0 as? SplittingPreTokenizer }
            let all = firsts.count == seq.preTokenizers.count - 1
            self.byteLevel = all ? last : nil
            self.splitterBeforeByteLevel = all ? SplittingSequence(preTokenizers: firsts) : nil
        } else {
            self.byteLevel = preTokenizer as? ByteLevel
            self.splitterBeforeByteLevel = nil
        }
        let largest = max(model.vocabularySize, (addedTokens.map(\.id).max() ?? -1) + 1)
        var strings = [String](repeating: "", count: min(largest, 1 << 24))
        for i in 0..<strings.count { if let t = model.idToToken(i) { strings[i] = t } }
        for t in addedTokens where t.id < strings.count { strings[t.id] = t.content }
        self.tokenStrings = strings
        var pad: Int? = nil
        for name in [padToken, "[PAD]", "<pad>"].compactMap({ $0 }) {
            if let id = addedVocabulary.byContent[name] ?? model.tokenToId(name) { pad = id; break }
        }
        padTokenId = pad
    }

    /// Loads tokenizer.json, or vocab.txt + tokenizer_config.json, from `folder`.
    public static func load(from folder: URL) throws -> Tokenizer {
        try TokenizerLoader.load(from: folder)
    }

    /// Special tokens the post-processor adds to one sequence (e.g. 2 for `[CLS] … [SEP]`).
    public var numSpecialTokensSingle: Int { postProcessor?.addedTokensSingle ?? 0 }

    /// Encodes one text with special tokens, truncated to `maxLength` tokens (specials included) when given.
    public func encode(_ text: String, maxLength: Int? = nil) -> Encoding {
        // Stop tokenizing once the truncated result is known (one token past the limit).
        var e = tokens(of: text, stop: maxLength.map { max(0, $0 - numSpecialTokensSingle) + 1 } ?? Int.max)
        if let maxLength { e.truncate(to: maxLength - numSpecialTokensSingle) }
        postProcessor?.process(&e)
        return e
    }

    /// Special tokens the post-processor adds to a pair (e.g. 3 for `[CLS] A [SEP] B [SEP]`); nil when
    /// tokenizer.json defines no pair form.
    public var numSpecialTokensPair: Int? { postProcessor == nil ? 0 : postProcessor!.addedTokensPair }

    /// Encodes a pair (a cross-encoder's query and document) with the pair's special tokens and type ids,
    /// as HF tokenizers does with `truncation="longest_first"`: past `maxLength` tokens (specials
    /// included), tokens come off the longer sequence's end until both fit, or each keeps half.
    public func encodePair(_ first: String, _ second: String, maxLength: Int? = nil) throws -> Encoding {
        try encodePairTruncating(first, second, maxLength: maxLength).encoding
    }

    /// As `encodePair`, also saying whether tokens were cut to fit `maxLength`.
    public func encodePairTruncating(_ first: String, _ second: String, maxLength: Int?) throws -> (encoding: Encoding, truncated: Bool) {
        let added = try pairSpecialTokens()
        var a = tokens(of: first, stop: Int.max), b = tokens(of: second, stop: Int.max)
        var truncated = false
        // A limit below the special tokens alone is not applied (HF tokenizers leaves the pair whole).
        if let maxLength, maxLength >= added {
            let (n1, n2) = Self.longestFirst(a.ids.count, b.ids.count, budget: maxLength - added)
            truncated = n1 < a.ids.count || n2 < b.ids.count
            a.truncate(to: n1)
            b.truncate(to: n2)
        }
        return (pair(a, b), truncated)
    }

    /// The pair with the second sequence cut into consecutive windows so that each pair fits `maxLength`
    /// (special tokens included) and the first sequence stays whole: a long document scored window by
    /// window. One encoding, equal to `encodePair`'s, when the pair fits. Nil when the first sequence
    /// leaves no room for a token of the second.
    public func encodePairWindows(_ first: String, _ second: String, maxLength: Int) throws -> [Encoding]? {
        let added = try pairSpecialTokens()
        let a = tokens(of: first, stop: Int.max), b = tokens(of: second, stop: Int.max)
        let room = maxLength - added - a.ids.count
        if b.ids.count <= room || b.ids.isEmpty { return room >= 0 ? [pair(a, b)] : nil }
        guard room >= 1 else { return nil }
        return stride(from: 0, to: b.ids.count, by: room).map { start in
            pair(a, b.slice(start ..< min(b.ids.count, start + room)))
        }
    }

    /// Tokens of the first sequence (no special tokens): how much of a pair the query takes.
    public func sequenceLength(_ text: String) -> Int { tokens(of: text, stop: Int.max).ids.count }

    private func pairSpecialTokens() throws -> Int {
        guard let added = numSpecialTokensPair else {
            throw TokenizerError.invalidFile(file: "tokenizer.json", reason: "the post_processor has no pair template, so this tokenizer cannot encode pairs")
        }
        return added
    }

    private func pair(_ a: Encoding, _ b: Encoding) -> Encoding { postProcessor?.processPair(a, b) ?? a.appending(b) }

    /// HF's `longest_first` lengths for sequences of `n1` and `n2` tokens within `budget`: the shorter
    /// keeps all it has when the longer can give up the rest; otherwise each keeps half (the odd token
    /// goes to the longer, on a tie to the second).
    static func longestFirst(_ n1: Int, _ n2: Int, budget: Int) -> (Int, Int) {
        if n1 + n2 <= budget { return (n1, n2) }
        var short = min(n1, n2), long: Int
        long = short > budget ? short : max(short, budget - short)
        if short + long > budget {
            short = budget / 2
            long = short + budget % 2
        }
        return n1 > n2 ? (long, short) : (short, long)
    }

    /// The model's tokens of `text` (no special tokens), up to `stop` tokens.
    private func tokens(of text: String, stop: Int) -> Encoding {
        let original = Array(text.unicodeScalars)
        var e = Encoding(ids: [], typeIds: [], tokens: [], offsets: [], specialTokensMask: [])
        e.reserveCapacity(original.count / 3 + 4)
        var modelTokens: [ModelToken] = []
        var word = 0
        for piece in addedVocabulary.split(original, normalizer: normalizer) {
            if e.ids.count >= stop { break }
            if let id = piece.addedTokenId {
                append(&e, id: id, offsets: piece.text.originalRange(0..<piece.text.count), word: word)
                word += 1
                continue
            }
            if piece.text.isEmpty { continue }
            encodeWords(of: piece.text, into: &e, modelTokens: &modelTokens, stop: stop, word: &word)
        }
        return e
    }

    /// Pre-tokenizes `text` and runs the model on each word, appending its tokens to `e` (until `stop` tokens).
    private func encodeWords(of text: NormalizedString, into e: inout Encoding, modelTokens: inout [ModelToken], stop: Int,
                             word: inout Int) {
        if preTokenizer == nil || splitter != nil {
            // Words are views into the piece.
            text.chars.withUnsafeBufferPointer { chars in
                let words = splitter?.wordRanges(chars) ?? [0..<chars.count]
                for w in words where !w.isEmpty {
                    modelTokens.removeAll(keepingCapacity: true)
                    model.tokenize(UnsafeBufferPointer(rebasing: chars[w]), into: &modelTokens)
                    for t in modelTokens {
                        append(&e, id: t.id, offsets: text.originalRange(w.lowerBound + t.range.lowerBound..<w.lowerBound + t.range.upperBound),
                               word: word)
                    }
                    word += 1
                    if e.ids.count >= stop { break }
                }
            }
        } else if let byteLevel {
            // Each word is mapped to bytes in a reused buffer; `sources` leads back to the piece.
            let t = splitterBeforeByteLevel == nil ? byteLevel.withPrefixSpace(text) : text
            var bytes: [Unicode.Scalar] = [], sources: [Int] = []
            t.chars.withUnsafeBufferPointer { chars in
                let words: [Range<Int>]
                if let splitter = splitterBeforeByteLevel {
                    words = splitter.wordRanges(chars).flatMap { r -> [Range<Int>] in
                        guard byteLevel.useRegex else { return [r] }
                        return ByteLevel.gpt2Ranges(UnsafeBufferPointer(rebasing: chars[r])).map {
                            r.lowerBound + $0.lowerBound..<r.lowerBound + $0.upperBound
                        }
                    }
                } else {
                    words = byteLevel.wordRanges(t)
                }
                for w in words where !w.isEmpty {
                    bytes.removeAll(keepingCapacity: true)
                    sources.removeAll(keepingCapacity: true)
                    ByteLevel.appendBytes(of: UnsafeBufferPointer(rebasing: chars[w]), to: &bytes, sources: &sources)
                    modelTokens.removeAll(keepingCapacity: true)
                    model.tokenize(bytes, into: &modelTokens)
                    for m in modelTokens {
                        let a = w.lowerBound + sources[m.range.lowerBound]
                        let b = w.lowerBound + sources[m.range.upperBound - 1]
                        append(&e, id: m.id, offsets: t.originalRange(a..<b + 1), word: word)
                    }
                    word += 1
                    if e.ids.count >= stop { break }
                }
            }
        } else {
            for w in preTokenizer!.preTokenize(text) where !w.isEmpty {
                modelTokens.removeAll(keepingCapacity: true)
                model.tokenize(w.chars, into: &modelTokens)
                for t in modelTokens { append(&e, id: t.id, offsets: w.originalRange(t.range), word: word) }
                word += 1
                if e.ids.count >= stop { break }
            }
        }
    }

    @inline(__always)
    private func append(_ e: inout Encoding, id: Int, offsets: Range<Int>, word: Int) {
        e.ids.append(id); e.typeIds.append(0); e.tokens.append(tokenString(id)); e.offsets.append(offsets)
        e.specialTokensMask.append(0); e.wordIDs.append(word)
    }

    /// The token text of `id` (added tokens first, as HF), from a dense table.
    @inline(__always)
    private func tokenString(_ id: Int) -> String {
        if id >= 0 && id < tokenStrings.count { return tokenStrings[id] }
        return addedVocabulary.byId[id]?.content ?? model.idToToken(id) ?? ""
    }

    /// Encodes many texts on `threads` cores (nil: all); the result is in input order.
    public func encodeBatch(_ texts: [String], maxLength: Int? = nil, threads: Int? = nil) -> [Encoding] {
        let workers = min(texts.count, max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount))
        if workers < 2 { return texts.map { encode($0, maxLength: maxLength) } }
        var results = [Encoding?](repeating: nil, count: texts.count)
        let chunk = (texts.count + workers - 1) / workers
        results.withUnsafeMutableBufferPointer { buffer in
            let out = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let a = w * chunk, b = min(texts.count, a + chunk)
                if a < b { for i in a..<b { out[i] = encode(texts[i], maxLength: maxLength) } }
            }
        }
        return results.map { $0! }
    }

    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) -> String {
        var toks: [String] = []
        for id in ids {
            if let a = addedVocabulary.byId[id] {
                if skipSpecialTokens && a.special { continue }
                toks.append(a.content)
            } else if let t = model.idToToken(id) {
                toks.append(t)
            }
        }
        if let decoder { return decoder.decodeChain(toks).joined() }
        return toks.joined(separator: " ")
    }

    public func tokenToId(_ token: String) -> Int? { addedVocabulary.byContent[token] ?? model.tokenToId(token) }
    public func idToToken(_ id: Int) -> String? { addedVocabulary.byId[id]?.content ?? model.idToToken(id) }

    /// Size of the model vocabulary plus added tokens not in it (HF `get_vocab_size(with_added_tokens=True)`).
    public var vocabularySize: Int {
        model.vocabularySize + addedTokens.filter { model.tokenToId($0.content) == nil }.count
    }
}
