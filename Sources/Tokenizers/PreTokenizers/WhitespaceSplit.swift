import Foundation

/// HF `WhitespaceSplit`: splits on whitespace, which is removed.
struct WhitespaceSplit: PreTokenizer {
    func preTokenize(_ s: NormalizedString) -> [NormalizedString] {
        s.split(where: CharacterClasses.isWhitespace, .removed)
    }
}
