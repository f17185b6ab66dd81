import Foundation

/// A tokenizer.json `post_processor`: the special tokens of one sequence, or of a pair (a cross-encoder's
/// query and document).
protocol PostProcessor: Sendable {
    /// How many tokens `process` adds to a single sequence.
    var addedTokensSingle: Int { get }
    func process(_ e: inout Encoding)
    /// How many tokens `processPair` adds to a pair (nil: this post-processor has no pair form).
    var addedTokensPair: Int? { get }
    /// `first` and `second` joined with the pair's special tokens and type ids.
    func processPair(_ first: Encoding, _ second: Encoding) -> Encoding
}

/// A special token a post-processor inserts (one or more ids).
struct SpecialPiece: Sendable {
    let ids: [Int]
    let tokens: [String]
}

extension Encoding {
    /// Appends `piece`'s ids as special tokens of type `typeId`.
    mutating func appendSpecial(_ piece: SpecialPiece, typeId: Int) {
        for (i, id) in piece.ids.enumerated() {
            ids.append(id); typeIds.append(typeId); tokens.append(piece.tokens[i]); offsets.append(0..<0)
            specialTokensMask.append(1); wordIDs.append(nil)
        }
    }

    /// Appends `other`'s tokens with type `typeId` (nil: their own type ids); offsets stay relative to
    /// `other`'s text, as HF's.
    mutating func append(_ other: Encoding, typeId: Int? = nil) {
        ids += other.ids; typeIds += typeId.map { Array(repeating: $0, count: other.ids.count) } ?? other.typeIds
        tokens += other.tokens; offsets += other.offsets; specialTokensMask += other.specialTokensMask; wordIDs += other.wordIDs
    }

    /// A pair joined without special tokens: `other` follows this encoding, type ids kept.
    func appending(_ other: Encoding) -> Encoding {
        var joined = self
        joined.append(other)
        return joined
    }

    /// An encoding of no tokens.
    static var empty: Encoding { Encoding(ids: [], typeIds: [], tokens: [], offsets: [], specialTokensMask: []) }

    /// The encoding with `prefix` before it and `suffix` after it, its own tokens of type `sequenceTypeId`.
    mutating func surround(prefix: [(SpecialPiece, Int)], suffix: [(SpecialPiece, Int)], sequenceTypeId: Int) {
        var e = Encoding.empty
        e.reserveCapacity(ids.count + (prefix + suffix).reduce(0) { $0 + $1.0.ids.count })
        for (piece, type) in prefix { e.appendSpecial(piece, typeId: type) }
        e.append(self, typeId: sequenceTypeId)
        for (piece, type) in suffix { e.appendSpecial(piece, typeId: type) }
        self = e
    }
}

enum PostProcessorFactory {
    static func make(_ any: Any?, file: String) throws -> PostProcessor? {
        guard let any, !(any is NSNullType) else { return nil }
        let j = try JSONObject(any, file: file, component: "post_processor")
        let type = try j.type()
        switch type {
        case "TemplateProcessing": return try TemplateProcessing(j)
        case "BertProcessing": return try BertProcessing(j)
        case "RobertaProcessing": return try RobertaProcessing(j)
        case "ByteLevel": return try ByteLevelProcessing(j)
        case "Sequence":
            guard let list = try j.array("processors") else { throw j.fail("missing 'processors'") }
            return PostProcessorSequence(processors: try list.compactMap { try make($0, file: file) })
        default:
            throw TokenizerError.unsupportedComponent(file: file, kind: "post_processor", type: type)
        }
    }

    /// `["[CLS]", 101]` as BertProcessing / RobertaProcessing serialize their tokens.
    static func tokenPair(_ any: Any?, _ j: JSONObject, _ key: String) throws -> SpecialPiece {
        guard let p = any as? [Any], p.count == 2, let t = p[0] as? String, let n = p[1] as? NSNumberLike, let id = n.intValue else {
            throw j.fail("'\(key)' must be [token, id]")
        }
        return SpecialPiece(ids: [id], tokens: [t])
    }
}

struct PostProcessorSequence: PostProcessor {
    let processors: [PostProcessor]
    var addedTokensSingle: Int { processors.reduce(0) { $0 + $1.addedTokensSingle } }
    func process(_ e: inout Encoding) {
        for p in processors { p.process(&e) }
    }

    /// Offset trimmers (`ByteLevel`) work on each sequence; the first processor that adds tokens joins
    /// the pair; any after it work on the joined encoding.
    var addedTokensPair: Int? {
        var total = 0
        for p in processors {
            guard let n = p.addedTokensPair else { return nil }
            total += n
        }
        return total
    }

    func processPair(_ first: Encoding, _ second: Encoding) -> Encoding {
        var a = first, b = second
        var joined: Encoding?
        for p in processors {
            if var j = joined {
                p.process(&j)
                joined = j
            } else if let trimmer = p as? ByteLevelProcessing {
                trimmer.process(&a)
                trimmer.process(&b)
            } else {
                joined = p.processPair(a, b)
            }
        }
        return joined ?? a.appending(b)
    }
}
