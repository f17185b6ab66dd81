import Foundation

/// HF `RobertaProcessing`: `<s> A </s>` (a pair: `<s> A </s> </s> B </s>`), with ByteLevel-style offset trimming.
struct RobertaProcessing: PostProcessor {
    let cls: SpecialPiece
    let sep: SpecialPiece
    let trimOffsets: Bool
    let addPrefixSpace: Bool

    init(_ j: JSONObject) throws {
        sep = try PostProcessorFactory.tokenPair(j["sep"], j, "sep")
        cls = try PostProcessorFactory.tokenPair(j["cls"], j, "cls")
        trimOffsets = try j.bool("trim_offsets", default: true)
        addPrefixSpace = try j.bool("add_prefix_space", default: true)
    }

    var addedTokensSingle: Int { 2 }

    func process(_ e: inout Encoding) {
        if trimOffsets { ByteLevelProcessing.trim(&e, addPrefixSpace: addPrefixSpace) }
        e.surround(prefix: [(cls, 0)], suffix: [(sep, 0)], sequenceTypeId: 0)
    }

    var addedTokensPair: Int? { 4 }

    /// `<s> A </s> </s> B </s>`, every token of type 0 (RoBERTa has one token type).
    func processPair(_ first: Encoding, _ second: Encoding) -> Encoding {
        var a = first, b = second
        if trimOffsets {
            ByteLevelProcessing.trim(&a, addPrefixSpace: addPrefixSpace)
            ByteLevelProcessing.trim(&b, addPrefixSpace: addPrefixSpace)
        }
        var e = Encoding.empty
        e.appendSpecial(cls, typeId: 0)
        e.append(a, typeId: 0)
        e.appendSpecial(sep, typeId: 0)
        e.appendSpecial(sep, typeId: 0)
        e.append(b, typeId: 0)
        e.appendSpecial(sep, typeId: 0)
        return e
    }
}
