import Foundation

/// HF `Digits`: isolates numeric scalars, one by one or in runs.
struct Digits: SplittingPreTokenizer {
    let individualDigits: Bool
    init(_ j: JSONObject) throws {
        individualDigits = try j.bool("individual_digits", default: false)
    }
    func wordRanges(_ chars: UnsafeBufferPointer<Unicode.Scalar>) -> [Range<Int>] {
        splitRanges(chars, where: CharacterClasses.isNumber, individualDigits ? .isolated : .contiguous)
    }
}
