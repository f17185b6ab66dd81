import Foundation
import Testing
import EmbedKitTokenizers

/// The SentencePiece `Precompiled` normalizer (XLM-R / multilingual-e5 family): an nmt_nfkc charsmap
/// with a Unigram model, against the ids HF tokenizers 0.19.1 gives (scripts/dev/make_precompiled_fixture.py).
@Suite struct PrecompiledTests {
    @Test func idsMatchHuggingFace() throws {
        let folder = Fixtures.folder("tokenizers/unigram-precompiled")
        let t = try Tokenizer.load(from: folder)
        let data = try Data(contentsOf: folder.appendingPathComponent("expected.json"))
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(doc["cases"] as? [[String: Any]])
        #expect(cases.count > 20)
        for c in cases {
            let text = try #require(c["text"] as? String)
            let expected = try #require(c["ids"] as? [NSNumber]).map(\.intValue)
            let got = t.encode(PythonString.strip(text)).ids
            #expect(got == expected, "\(text.debugDescription)")
        }
    }

    @Test func fullWidthAndLigaturesAreFolded() throws {
        let t = try Tokenizer.load(from: Fixtures.folder("tokenizers/unigram-precompiled"))
        // nmt_nfkc folds full-width letters and ligatures to ASCII: same ids as the plain text.
        #expect(t.encode("ＦＵＬＬ").ids == t.encode("FULL").ids)
        #expect(t.encode("ﬁnancial").ids == t.encode("financial").ids)
    }
}
