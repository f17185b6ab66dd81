import Foundation

/// HF `TemplateProcessing`, `single` template: special tokens and the sequence with their type ids.
struct TemplateProcessing: PostProcessor {
    let prefix: [(SpecialPiece, Int)]
    let suffix: [(SpecialPiece, Int)]
    let sequenceTypeId: Int

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
    }

    var addedTokensSingle: Int { (prefix + suffix).reduce(0) { $0 + $1.0.ids.count } }

    func process(_ e: inout Encoding) {
        e.surround(prefix: prefix, suffix: suffix, sequenceTypeId: sequenceTypeId)
    }
}
