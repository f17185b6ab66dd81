import Foundation

/// HF `BertProcessing`: `[CLS] A [SEP]`.
struct BertProcessing: PostProcessor {
    let cls: SpecialPiece
    let sep: SpecialPiece

    init(_ j: JSONObject) throws {
        sep = try PostProcessorFactory.tokenPair(j["sep"], j, "sep")
        cls = try PostProcessorFactory.tokenPair(j["cls"], j, "cls")
    }

    var addedTokensSingle: Int { 2 }

    func process(_ e: inout Encoding) {
        e.surround(prefix: [(cls, 0)], suffix: [(sep, 0)], sequenceTypeId: 0)
    }
}
