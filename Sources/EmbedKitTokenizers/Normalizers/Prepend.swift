import Foundation

/// HF `Prepend`: puts `prepend` in front of non-empty text.
struct Prepend: Normalizer {
    let prepend: [Unicode.Scalar]

    init(_ j: JSONObject) throws {
        prepend = try j.string("prepend").scalars
    }

    func normalize(_ s: inout NormalizedString) {
        if !s.isEmpty { s.prepend(prepend) }
    }
}
