import Foundation
import Testing
import EmbedKitTokenizers

/// Tokens, offsets, type ids, truncation and decoding on the fixtures (values from HF tokenizers 0.19.1).
@Suite struct EncodingTests {
    @Test func wordPieceTokensAndOffsets() throws {
        let t = try Tokenizer.load(from: Fixtures.folder("jina-v2-tiny-en"))
        let e = t.encode("Héllo, wörld!")
        #expect(e.tokens.first == "[CLS]" && e.tokens.last == "[SEP]")
        #expect(e.offsets.first == 0..<0 && e.offsets.last == 0..<0)
        #expect(e.specialTokensMask.first == 1 && e.specialTokensMask.last == 1)
        // Offsets index the original text (Unicode scalars): "," is scalar 5.
        let comma = try #require(e.tokens.firstIndex(of: ","))
        #expect(e.offsets[comma] == 5..<6)
        #expect(t.decode(e.ids) == "hello, world!")
    }

    @Test func offsetsCountScalarsNotCharacters() throws {
        let t = try Tokenizer.load(from: Fixtures.folder("jina-v2-tiny-en"))
        // "e\u{301}" is one Character but two scalars; "\r\n" is one Character but two scalars.
        let e = t.encode("e\u{301}\r\nab")
        let ab = try #require(e.offsets.dropFirst().dropLast().last)
        #expect(ab.upperBound == 6)
    }

    @Test func truncationKeepsSpecialTokens() throws {
        let t = try Tokenizer.load(from: Fixtures.folder("jina-v2-tiny-zh"))
        let e = t.encode("今天天气怎么样？我喜欢", maxLength: 5)
        #expect(e.ids.count == 5)
        #expect(e.tokens.first == "<s>" && e.tokens.last == "</s>")
        let full = t.encode("今天天气怎么样？我喜欢")
        #expect(Array(e.ids[1..<4]) == Array(full.ids[1..<4]))
    }

    @Test func byteLevelDecodeRoundTrip() throws {
        let t = try Tokenizer.load(from: Fixtures.folder("jina-v2-tiny-de"))
        let text = "Größe 🙂 und ein Test"
        #expect(t.decode(t.encode(text).ids) == text)
    }

    @Test func vocabularyLookups() throws {
        let t = try Tokenizer.load(from: Fixtures.folder("zpoint-tiny"))
        #expect(t.tokenToId("[CLS]") == 101)
        #expect(t.idToToken(102) == "[SEP]")
        #expect(t.padTokenId == 0)
        #expect(t.vocabularySize == 21128)
        #expect(t.modelMaxLength == 512)
        #expect(t.numSpecialTokensSingle == 2)
    }

    @Test func pythonStripAndLower() {
        #expect(PythonString.strip("\u{1C} a b \u{3000}\u{85}") == "a b")
        #expect(PythonString.strip("\u{200B}a") == "\u{200B}a")
        #expect(PythonString.lower("ÀB\u{130}") == "àbi\u{307}")
    }
}
