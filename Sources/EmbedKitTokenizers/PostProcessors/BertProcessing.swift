import Foundation

/// HF `BertProcessing`: `[CLS] A [SEP]`, and `[CLS] A [SEP] B [SEP]` for a pair.
struct BertProcessing: PostProcessor {
    let cls: SpecialPiece
    let sep: SpecialPiece

    /// The template BertTokenizerFast's converter writes, for a vocab.txt tokenizer.
    init(cls: SpecialPiece, sep: SpecialPiece) {
        self.cls = cls
        self.sep = sep
    }

    init(_ j: JSONObject) throws {
        sep = try PostProcessorFactory.tokenPair(j["sep"], j, "sep")
        cls = try PostProcessorFactory.tokenPair(j["cls"], j, "cls")
    }

    var addedTokensSingle: Int { 2 }

    func process(_ e: inout Encoding) {
        e.surround(prefix: [(cls, 0)], suffix: [(sep, 0)], sequenceTypeId: 0)
    }

    var addedTokensPair: Int? { 3 }

    /// `[CLS] A [SEP] B [SEP]`, the second sequence and its `[SEP]` of type 1.
    func processPair(_ first: Encoding, _ second: Encoding) -> Encoding {
        var e = Encoding.empty
        e.appendSpecial(cls, typeId: 0)
        e.append(first, typeId: 0)
        e.appendSpecial(sep, typeId: 0)
        e.append(second, typeId: 1)
        e.appendSpecial(sep, typeId: 1)
        return e
    }
}
