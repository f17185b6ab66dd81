import Foundation
import Testing
import EmbedKitTokenizers

/// The generated fast-path table must agree with the normalizer it lets the tokenizer skip.
@Suite struct NormalizationTableTests {
    @Test(arguments: ["NFC", "NFD", "NFKC", "NFKD"])
    func everyStableScalarIsLeftAloneByFoundation(_ form: String) throws {
        let ranges: [UInt32]
        let apply: (String) -> String
        switch form {
        case "NFC": ranges = NormalizationStableRanges.nfc; apply = { $0.precomposedStringWithCanonicalMapping }
        case "NFD": ranges = NormalizationStableRanges.nfd; apply = { $0.decomposedStringWithCanonicalMapping }
        case "NFKC": ranges = NormalizationStableRanges.nfkc; apply = { $0.precomposedStringWithCompatibilityMapping }
        default: ranges = NormalizationStableRanges.nfkd; apply = { $0.decomposedStringWithCompatibilityMapping }
        }
        #expect(ranges.count % 2 == 0 && ranges.count > 100)
        var checked = 0, wrong: [UInt32] = []
        for k in stride(from: 0, to: ranges.count, by: 2) {
            #expect(ranges[k] <= ranges[k + 1])
            if k > 0 { #expect(ranges[k - 1] < ranges[k]) }
            for v in ranges[k]...ranges[k + 1] {
                guard let c = Unicode.Scalar(v) else { wrong.append(v); continue }
                let s = String(Character(c))
                if apply(s).unicodeScalars.elementsEqual(s.unicodeScalars) == false
                    || c.properties.canonicalCombiningClass.rawValue != 0 { wrong.append(v) }
                checked += 1
            }
        }
        #expect(wrong.isEmpty, "\(form): \(wrong.prefix(10).map { String($0, radix: 16) })")
        #expect(checked > 100_000)
    }

    /// Compatibility mappings that produce a combining mark or a Hangul vowel compose with the scalar
    /// before them: half-width katakana + voiced mark, compatibility jamo (values from Python's NFKC).
    @Test(arguments: [("NFKC", "\u{FF76}\u{FF9E}", "\u{30AC}"), ("NFKC", "\u{3131}\u{314F}", "\u{AC00}"),
                      ("NFKD", "\u{FF76}\u{FF9E}", "\u{30AB}\u{3099}"), ("NFC", "\u{1100}\u{1161}\u{11A8}", "\u{AC01}"),
                      ("NFC", "e\u{301}\u{323}", "\u{1EB9}\u{301}")])
    func chunksComposeAcrossCompatibilityMappings(_ form: String, _ input: String, _ expected: String) throws {
        let dir = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vocab = [expected: 0, "[UNK]": 1]
        let json: [String: Any] = [
            "normalizer": ["type": form],
            "pre_tokenizer": ["type": "WhitespaceSplit"],
            "model": ["type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"],
        ]
        try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("tokenizer.json"))
        let t = try Tokenizer.load(from: dir)
        #expect(t.encode(input).ids == [0], "\(form) of \(input.unicodeScalars.map { String($0.value, radix: 16) })")
    }
}
