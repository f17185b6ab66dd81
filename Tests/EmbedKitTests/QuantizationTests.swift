import EmbedKit
import Testing

/// Output quantization against sentence-transformers' `quantize_embeddings` (its formulas evaluated with
/// numpy in float32 on these vectors: batch ranges, `astype` truncation, `packbits`).
@Suite struct QuantizationTests {
    static let vectors: [[Float]] = [
        [0.5, -1.25, 0.0, 2.0, 0.1, -0.3, 0.7, 0.9, -0.2, 0.05, 1.5, -2.0, 0.33, 0.0, -0.01, 0.8],
        [-0.5, 1.0, 0.25, -2.0, 0.4, 0.3, -0.7, 0.2, 0.6, -0.05, 0.5, 1.0, -0.33, 0.1, 0.01, -0.8],
        [0.1, 0.2, -0.3, 0.4, -0.5, 0.6, -0.7, 0.8, -0.9, 1.0, -1.1, 1.2, -1.3, 1.4, -1.5, 1.6],
    ]
    static let numpy: [EmbeddingPrecision: [[Int]]] = [
        .uint8: [[254, 0, 139, 254, 170, 0, 255, 255, 118, 24, 255, 0, 255, 0, 251, 170],
                 [0, 254, 255, 0, 255, 170, 0, 0, 255, 0, 156, 239, 151, 18, 255, 0],
                 [153, 164, 0, 153, 0, 255, 0, 218, 0, 255, 0, 255, 0, 255, 0, 255]],
        .int8: [[126, -128, 11, 126, 42, -128, 127, 127, -9, -103, 127, -128, 127, -128, 123, 42],
                [-128, 126, 127, -128, 127, 42, -128, -128, 127, -128, 28, 111, 23, -109, 127, -128],
                [25, 36, -128, 25, -128, 127, -128, 90, -128, 127, -128, 127, -128, 127, -128, 127]],
        .binary: [[27, -23], [-19, 54], [85, -43]],
        .ubinary: [[155, 105], [109, 182], [213, 85]],
    ]

    @Test(arguments: [EmbeddingPrecision.int8, .uint8, .binary, .ubinary])
    func matchesSentenceTransformers(_ p: EmbeddingPrecision) throws {
        #expect(try Quantization.quantize(Self.vectors, precision: p) == Self.numpy[p]!)
        #expect(p.count(dimensions: 16) == Self.numpy[p]![0].count)
    }

    @Test func givenRangesClampAndEmptyRangesAreDefined() throws {
        let ranges = QuantizationRanges(minimum: [-1, 0, 5], maximum: [1, 1, 5])
        let q = try Quantization.quantize([[2, 0.5, 5], [-3, 0, 4]], precision: .int8, ranges: ranges)
        #expect(q == [[127, 0, -128], [-128, -128, -128]], "127.5 - 128 is cut toward zero, as numpy astype does")
        #expect(throws: EmbedKitError.self) { _ = try Quantization.quantize([[1, 2]], precision: .uint8, ranges: ranges) }
        // 10 dimensions: the second byte holds two bits and six zero bits.
        #expect(try Quantization.quantize([[1, -1, 1, -1, 1, -1, 1, -1, 1, 1]], precision: .ubinary) == [[0b1010_1010, 0b1100_0000]])
    }

    @Test func matryoshkaSizesAreEachRenormalized() {
        let v: [Float] = [3, 4, 12, 0]
        let out = Postprocessing(normalize: true).sizes(v, [2, 4])
        #expect(out[0] == [0.6, 0.8])
        #expect(abs(out[1][2] - 12 / 13) < 1e-7 && out[1].count == 4)
    }
}
