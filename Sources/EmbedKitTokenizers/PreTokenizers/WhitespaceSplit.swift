import Foundation

/// HF `WhitespaceSplit`: splits on whitespace, which is removed.
struct WhitespaceSplit: SplittingPreTokenizer {
    func wordRanges(_ chars: UnsafeBufferPointer<Unicode.Scalar>) -> [Range<Int>] {
        splitRanges(chars, where: CharacterClasses.isWhitespace, .removed)
    }
}
