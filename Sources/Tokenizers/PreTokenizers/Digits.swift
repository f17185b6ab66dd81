import Foundation

/// HF `Digits`: isolates numeric scalars, one by one or in runs.
struct Digits: PreTokenizer {
    let individualDigits: Bool
    init(_ j: JSONObject) throws {
        individualDigits = try j.bool("individual_digits", default: false)
    }
    func preTokenize(_ s: NormalizedString) -> [NormalizedString] {
        s.split(where: CharacterClasses.isNumber, individualDigits ? .isolated : .contiguous)
    }
}
