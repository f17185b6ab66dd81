import Foundation

/// HF `TemplateProcessing`: the `single` and `pair` templates, special tokens and sequences with their
/// type ids.
struct TemplateProcessing: PostProcessor {
    let prefix: [(SpecialPiece, Int)]
    let suffix: [(SpecialPiece, Int)]
    let sequenceTypeId: Int

    /// One item of the pair template: a special token, or sequence A (0) or B (1), with its type id.
    enum PairItem {
        case special(SpecialPiece, typeId: Int)
        case sequence(Int, typeId: Int)
    }
    /// The pair template (nil: tokenizer.json has none).
    let pair: [PairItem]?

    init(_ j: JSONObject) throws {
        var specials: [String: SpecialPiece] = [:]
        if let st = try j.object("special_tokens") {
            for (name, v) in st.dict {
                let o = try JSONObject(v, file: j.file, component: "post_processor.special_tokens.\(name)")
                guard let ids = (try o.array("ids"))?.compactMap({ ($0 as? NSNumberLike)?.intValue }),
                      let toks = (try o.array("tokens"))?.compactMap({ $0 as? String }), ids.count == toks.count else {
                    throw o.fail("needs 'ids' and 'tokens' of the same length")
                }
                specials[name] = SpecialPiece(ids: ids, tokens: toks)
            }
        }
        guard let single = try j.array("single") else { throw j.fail("missing 'single' template") }
        var pre: [(SpecialPiece, Int)] = [], suf: [(SpecialPiece, Int)] = []
        var seenSequence = false
        var seqType = 0
        for item in single {
            let o = try JSONObject(item, file: j.file, component: "post_processor.single")
            if let sp = try o.object("SpecialToken") {
                let name = try sp.string("id")
                guard let piece = specials[name] else { throw sp.fail("special token '\(name)' is not in special_tokens") }
                let t = try sp.int("type_id") ?? 0
                if seenSequence { suf.append((piece, t)) } else { pre.append((piece, t)) }
            } else if let sq = try o.object("Sequence") {
                if seenSequence { throw sq.fail("the single template has more than one sequence") }
                seenSequence = true
                seqType = try sq.int("type_id") ?? 0
            } else {
                throw o.fail("template items must be SpecialToken or Sequence")
            }
        }
        prefix = pre; suffix = suf; sequenceTypeId = seqType

        if let items = try j.array("pair") {
            pair = try items.map { item in
                let o = try JSONObject(item, file: j.file, component: "post_processor.pair")
                if let sp = try o.object("SpecialToken") {
                    let name = try sp.string("id")
                    guard let piece = specials[name] else { throw sp.fail("special token '\(name)' is not in special_tokens") }
                    return .special(piece, typeId: try sp.int("type_id") ?? 0)
                }
                guard let sq = try o.object("Sequence") else { throw o.fail("template items must be SpecialToken or Sequence") }
                switch try sq.string("id") {
                case "A": return .sequence(0, typeId: try sq.int("type_id") ?? 0)
                case "B": return .sequence(1, typeId: try sq.int("type_id") ?? 0)
                case let other: throw sq.fail("a pair template sequence is A or B, not '\(other)'")
                }
            }
        } else {
            pair = nil
        }
    }

    var addedTokensPair: Int? {
        pair.map { items in
            items.reduce(0) { n, item in
                if case .special(let p, _) = item { return n + p.ids.count }
                return n
            }
        }
    }

    func processPair(_ first: Encoding, _ second: Encoding) -> Encoding {
        var e = Encoding.empty
        for item in pair ?? [] {
            switch item {
            case .special(let piece, let type): e.appendSpecial(piece, typeId: type)
            case .sequence(let which, let type): e.append(which == 0 ? first : second, typeId: type)
            }
        }
        return e
    }

    var addedTokensSingle: Int { (prefix + suffix).reduce(0) { $0 + $1.0.ids.count } }

    func process(_ e: inout Encoding) {
        e.surround(prefix: prefix, suffix: suffix, sequenceTypeId: sequenceTypeId)
    }
}
