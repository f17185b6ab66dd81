import Foundation

/// A tokenizer.json `post_processor` (single sequences only: sentence embedding never encodes pairs).
protocol PostProcessor: Sendable {
    /// How many tokens `process` adds to a single sequence.
    var addedTokensSingle: Int { get }
    func process(_ e: inout Encoding)
}

/// A special token a post-processor inserts (one or more ids).
struct SpecialPiece: Sendable {
    let ids: [Int]
    let tokens: [String]
}

extension Encoding {
    mutating func surround(prefix: [(SpecialPiece, Int)], suffix: [(SpecialPiece, Int)], sequenceTypeId: Int) {
        var ni: [Int] = [], nt: [Int] = [], nk: [String] = [], no: [Range<Int>] = [], nm: [Int] = [], nw: [Int?] = []
        func add(_ p: SpecialPiece, _ type: Int) {
            for (i, id) in p.ids.enumerated() {
                ni.append(id); nt.append(type); nk.append(p.tokens[i]); no.append(0..<0); nm.append(1); nw.append(nil)
            }
        }
        for (p, t) in prefix { add(p, t) }
        ni.append(contentsOf: ids); nt.append(contentsOf: Array(repeating: sequenceTypeId, count: ids.count))
        nk.append(contentsOf: tokens); no.append(contentsOf: offsets); nm.append(contentsOf: specialTokensMask)
        nw.append(contentsOf: wordIDs)
        for (p, t) in suffix { add(p, t) }
        ids = ni; typeIds = nt; tokens = nk; offsets = no; specialTokensMask = nm; wordIDs = nw
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
}
