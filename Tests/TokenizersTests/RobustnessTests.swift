import Foundation
import Testing
import EmbedKitTokenizers

/// Any Unicode input tokenizes without crashing, in every fixture's pipeline.
@Suite struct RobustnessTests {
    static let inputs: [String] = [
        "", " ", "\u{0}", "\u{FFFD}", "\r\n", "a\r\nb", "\u{7}\u{1B}\u{7F}", "e\u{301}\u{302}\u{303}",
        "👩‍👩‍👧‍👦🇩🇪👍🏽", "\u{200B}\u{200D}\u{FEFF}", "\u{202E}abc", "مرحبا", "ＡＢＣ", "\u{10FFFF}\u{E000}",
        String(repeating: "\u{301}", count: 500), String(repeating: "x", count: 5000), "[CLS][SEP]<s></s>",
    ]

    @Test(arguments: GoldenTests.tinyModels)
    func edgeCases(_ name: String) throws {
        let t = try Tokenizer.load(from: Fixtures.folder(name))
        for s in Self.inputs {
            let e = t.encode(s)
            #expect(e.ids.count == e.offsets.count && e.ids.count == e.tokens.count)
            let n = s.unicodeScalars.count
            #expect(e.offsets.allSatisfy { $0.lowerBound >= 0 && $0.upperBound <= n }, "offsets out of range for \(s.debugDescription)")
            #expect(e.ids.count >= t.numSpecialTokensSingle)
            let short = t.encode(s, maxLength: 3)
            #expect(short.ids.count <= 3)
        }
    }

    @Test func oneMegabyteText() throws {
        let t = try Tokenizer.load(from: Fixtures.folder("jina-v2-tiny-de"))
        var s = String(repeating: "Größenwahn und 中文 text, ", count: 34_000)
        s += "\u{0}\u{FFFD}"
        #expect(s.utf8.count > 1_000_000)
        let full = t.encode(s)
        #expect(full.ids.count > 100_000)
        let cut = t.encode(s, maxLength: 512)
        #expect(cut.ids.count == 512)
        #expect(Array(full.ids.prefix(511)) == Array(cut.ids.prefix(511)))
        #expect(cut.ids.last == full.ids.last)
    }
}
