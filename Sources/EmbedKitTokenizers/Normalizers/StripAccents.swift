import Foundation

/// HF `StripAccents`: removes combining marks (use after NFD / NFKD).
struct StripAccents: Normalizer {
    func normalize(_ s: inout NormalizedString) {
        s.filter { !CharacterClasses.isCombiningMark($0) }
    }
}
