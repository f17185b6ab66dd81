import EmbedKit
import EmbedKitTestFixtures
import Foundation
import Testing

/// `EmbeddingRequest` → `EmbeddingPlan` → `EmbeddingResponse`: each input on its own, every rule once.
@Suite struct EmbeddingRequestTests {
    static let folder = FixtureLocator.model("dmeta-tiny")

    @Test(.enabled(if: folder != nil)) func aFailingInputKeepsItsPlaceAndTheOthersAreExact() throws {
        let model = try EmbeddingModel.load(folder: try #require(Self.folder), threads: 2)
        let long = String(repeating: "words that go on ", count: 40)
        var options = EncodeOptions(maxLength: 32)
        options.overflow = .error
        var request = EmbeddingRequest(inputs: [.text("first"), .text(long), .tokenIDs([]), .tokenIDs([101, 999_999, 102]),
                                                .text("   "), .text("last")], options: options)
        request.dimensions = [16, 48]
        request.options.normalizeEmbeddings = true
        let response = try model.embed(request)
        #expect(response.results.count == 6)
        for (i, reason) in [(1, "tokens; the limit is 32"), (2, "empty list of token ids"), (3, "outside the vocabulary")] {
            guard case .failure(let e) = response.results[i] else { Issue.record("input \(i) should fail"); continue }
            #expect(e.description.contains(reason), "\(e)")
        }
        #expect(response.firstFailure?.description.hasPrefix("input 1: ") == true)
        // The others are what encode gives each text alone, at both sizes.
        for (i, text) in [(0, "first"), (4, "   "), (5, "last")] {
            let want = try model.encode([text], dimensions: [16, 48], options: EncodeOptions(normalizeEmbeddings: true, maxLength: 32))[0]
            #expect(try response.results[i].get().vectors == want, "input \(i)")
        }
        #expect(throws: EmbedKitError.self) { try response.all() }
    }

    @Test(.enabled(if: folder != nil)) func chunkMeanCountsItsTokensAndKeepsShortTextsExact() throws {
        let model = try EmbeddingModel.load(folder: try #require(Self.folder), threads: 2)
        let long = String(repeating: "a sentence that keeps going. ", count: 30)
        var options = EncodeOptions(normalizeEmbeddings: true, maxLength: 32)
        options.overflow = .chunkMean
        let plan = try model.plan(EmbeddingRequest(texts: ["short", long], options: options))
        #expect(plan.inputs.count > 2, "the long text is chunked")
        let response = try plan.finish(try plan.inputs.map { try model.forward([$0])[0] })
        #expect(response.tokens == plan.inputs.reduce(0) { $0 + $1.ids.count })
        // Token ids are never chunked: past the limit they are refused, not cut.
        let ids = try model.plan(EmbeddingRequest(inputs: [.tokenIDs([101] + Array(repeating: 1000, count: 40) + [102])], options: options))
        #expect(ids.failures.first?.error == .inputTooLong(tokens: 42, limit: 32), "\(ids.failures)")
        options.overflow = .truncate
        #expect(try response.results[0].get().vectors[0] == model.encode(["short"], options: options)[0])
        // int8 over the request's vectors is sentence-transformers' quantize_embeddings of them.
        var quantized = EmbeddingRequest(texts: ["short", "another text", "a third"], options: options)
        quantized.precision = .int8
        let ints = try model.embed(quantized).all().map { $0.integers![0] }
        let floats = try model.encode(["short", "another text", "a third"], options: options)
        #expect(ints == (try Quantization.quantize(floats, precision: .int8)))
    }

    @Test(.enabled(if: folder != nil)) func tokenIDsMustCarryTheModelsSpecialTokens() throws {
        let model = try EmbeddingModel.load(folder: try #require(Self.folder), threads: 2)
        #expect(model.textPreparation.specialTokens == SpecialTokenFrame(leading: [101], trailing: [102]))
        let own = try model.tokenize(["a sentence"])[0].ids
        // Another tokenizer's ids (tiktoken's "Hello world"), all inside this vocabulary: refused, not embedded.
        let response = try model.embed(EmbeddingRequest(inputs: [.tokenIDs([9906, 1917]), .tokenIDs(own), .tokenIDs([101, 9906]),
                                                                 .tokenIDs([102])]))
        for i in [0, 2, 3] {
            guard case .failure(let e) = response.results[i] else { Issue.record("input \(i) should fail"); continue }
            #expect(e.reason == .missingSpecialTokens(leading: [101], trailing: [102]), "\(e)")
        }
        #expect(try response.results[1].get().vectors[0] == model.encode(["a sentence"])[0])
    }

    @Test(.enabled(if: folder != nil)) func tokenEmbeddingsShareAPassWithSentences() throws {
        let model = try EmbeddingModel.load(folder: try #require(Self.folder), threads: 2)
        // A server pass may hold one request's per-token inputs and another's sentence inputs.
        let plan = try model.plan(EmbeddingRequest(texts: ["a few words here", "another sentence"]))
        let mixed = try model.forward([plan.inputs[0].withTokenStates(), plan.inputs[1]])
        let tokens = try model.encodeTokenEmbeddings(["a few words here"])[0]
        let sentence = try model.encode(["another sentence"])[0]
        #expect(mixed.count == tokens.count + 1 && tokens.count == plan.inputs[0].ids.count)
        let diff = zip(mixed, tokens + [sentence]).map { a, b in zip(a, b).map { abs($0 - $1) }.max() ?? .infinity }.max() ?? .infinity
        #expect(diff <= 1e-6, "max |diff| \(diff)")
        // Token embeddings take no sizes or quantization, and are never averaged over chunks.
        var chunkMean = EncodeOptions()
        chunkMean.overflow = .chunkMean
        for request in [EmbeddingRequest(texts: ["x"], output: .tokenEmbeddings, options: EncodeOptions(truncateDimension: 16)),
                        EmbeddingRequest(texts: ["x"], output: .tokenEmbeddings, options: chunkMean)] {
            #expect(throws: EmbedKitError.self) { try model.embed(request) }
        }
    }
}
