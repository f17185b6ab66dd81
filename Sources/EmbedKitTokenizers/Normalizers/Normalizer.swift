import Foundation

/// A tokenizer.json `normalizer`.
protocol Normalizer: Sendable {
    func normalize(_ s: inout NormalizedString)
}

enum NormalizerFactory {
    static func make(_ any: Any?, file: String) throws -> Normalizer? {
        guard let any, !(any is NSNullType) else { return nil }
        let j = try JSONObject(any, file: file, component: "normalizer")
        let type = try j.type()
        switch type {
        case "BertNormalizer": return try BertNormalizer(j)
        case "NFC": return UnicodeNormalizer(form: .nfc)
        case "NFD": return UnicodeNormalizer(form: .nfd)
        case "NFKC": return UnicodeNormalizer(form: .nfkc)
        case "NFKD": return UnicodeNormalizer(form: .nfkd)
        case "Lowercase": return Lowercase()
        case "StripAccents": return StripAccents()
        case "Strip": return try Strip(j)
        case "Replace": return try Replace(j)
        case "Prepend": return try Prepend(j)
        case "Precompiled": return try Precompiled(j)
        case "Sequence":
            guard let list = try j.array("normalizers") else { throw j.fail("missing 'normalizers'") }
            return NormalizerSequence(normalizers: try list.compactMap { try make($0, file: file) })
        default:
            throw TokenizerError.unsupportedComponent(file: file, kind: "normalizer", type: type)
        }
    }
}

struct NormalizerSequence: Normalizer {
    let normalizers: [Normalizer]
    func normalize(_ s: inout NormalizedString) {
        for n in normalizers { n.normalize(&s) }
    }
}
