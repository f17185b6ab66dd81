import EmbedKitCompute
import EmbedKitFormats
import Foundation

/// BERT's masked-language-model head (`BertForMaskedLM`'s `cls.predictions`, what SPLADE models are):
/// dense + GELU + LayerNorm on each token's final state, then the decoder to one logit per vocabulary
/// entry. The decoder's weight is `cls.predictions.decoder.weight` when the checkpoint has it, else the
/// word embeddings it is tied to (transformers saves tied weights once); its bias `cls.predictions.bias`
/// (or `cls.predictions.decoder.bias`).
public struct MaskedLanguageModelHead: Sendable {
    let transform: Linear
    let norm: LayerNormWeights
    let decoder: Linear
    public var vocabularySize: Int { decoder.outFeatures }

    /// How SPLADE pools a text's token logits into one vocabulary-sized vector
    /// (sentence-transformers' `SpladePooling`).
    public enum SpladePooling: String, Sendable {
        case max, sum
    }

    /// What SPLADE applies to each logit before pooling: log(1 + ReLU(x)), or that twice
    /// (`log1p_relu`, OpenSearch's models).
    public enum SpladeActivation: String, Sendable {
        case relu
        case log1pRelu = "log1p_relu"

        func callAsFunction(_ x: Float) -> Float {
            let once = Foundation.log1p(Swift.max(0, x))
            return self == .relu ? once : Foundation.log1p(once)
        }
    }

    public init(config: TransformerConfig, store: TensorStore, precision: ComputePrecision = .fp32) throws {
        var w = WeightLoader(store: store)
        w.precision = precision
        let h = config.hiddenSize, v = config.vocabularySize
        transform = try w.linear("cls.predictions.transform.dense", out: h, in: h)
        norm = try w.layerNorm("cls.predictions.transform.LayerNorm", h, eps: config.layerNormEps)
        let weightName = w.resolved("cls.predictions.decoder.weight") != nil
            ? "cls.predictions.decoder.weight" : "embeddings.word_embeddings.weight"
        let biasName = w.resolved("cls.predictions.bias") != nil ? "cls.predictions.bias" : "cls.predictions.decoder.bias"
        let weight = try w.tensor(weightName, [v, h])
        defer { weight.releasePages() }
        let bias = try w.vector(biasName, v)
        if weight.dtype != .float32 {
            decoder = Linear(weightBits: weight.halfBits(), isFloat16: weight.dtype == .float16, bias: bias,
                             outFeatures: v, inFeatures: h, precision: precision)
        } else {
            decoder = Linear(weight: weight.floats(), bias: bias, outFeatures: v, inFeatures: h, precision: precision)
        }
    }

    /// Weights and biases of the transform, its LayerNorm and the decoder (a tied decoder counted again).
    public var parameterCount: Int {
        (transform.inFeatures + 1) * transform.outFeatures + 2 * norm.gamma.count + (decoder.inFeatures + 1) * decoder.outFeatures
    }

    /// Rows of logits computed at once: bounds the head's memory at `blockRows` × vocabulary floats.
    public static let blockRows = 64

    /// Per sequence of `hidden`, its SPLADE vector (vocabulary-sized, dense): `activation` of each
    /// token's logits, pooled over the sequence's tokens (all of them: the engine never pads).
    public func splade(_ hidden: HiddenStates, pooling: SpladePooling, activation: SpladeActivation, pool: ThreadPool) -> [[Float]] {
        let h = hidden.hiddenSize, v = vocabularySize, block = Self.blockRows
        var states = [Float](repeating: 0, count: block * h)
        var transformed = [Float](repeating: 0, count: block * h)
        var logits = [Float](repeating: 0, count: block * v)
        return (0..<hidden.batch.lengths.count).map { i in
            let rows = hidden.rows(of: i), n = hidden.batch.lengths[i]
            // Max pooling commutes with the (monotone) activation: keep the largest logit, activate once.
            var out = [Float](repeating: pooling == .max ? -.infinity : 0, count: v)
            for start in stride(from: 0, to: n, by: block) {
                let m = min(block, n - start)
                states.replaceSubrange(0 ..< m * h, with: rows[(rows.startIndex + start * h) ..< (rows.startIndex + (start + m) * h)])
                states.withUnsafeBufferPointer { x in
                    transformed.withUnsafeMutableBufferPointer { t in
                        transform.apply(x.baseAddress!, rows: m, into: t.baseAddress!, pool: pool, activation: .gelu)
                        norm.apply(t.baseAddress!, residual: nil, rows: m, pool: pool)
                    }
                }
                transformed.withUnsafeBufferPointer { t in
                    logits.withUnsafeMutableBufferPointer { y in decoder.apply(t.baseAddress!, rows: m, into: y.baseAddress!, pool: pool) }
                }
                for r in 0..<m {
                    let row = r * v
                    switch pooling {
                    case .max:
                        for j in 0..<v where logits[row + j] > out[j] { out[j] = logits[row + j] }
                    case .sum:
                        for j in 0..<v where logits[row + j] > 0 { out[j] += activation(logits[row + j]) }
                    }
                }
            }
            if pooling == .max {
                for j in 0..<v { out[j] = n == 0 ? 0 : activation(out[j]) }
            }
            return out
        }
    }

    /// Bytes `splade` allocates beyond the weights for `sequences` sequences.
    public func activationBytes(sequences: Int, hiddenSize: Int) -> Int {
        (Self.blockRows * (2 * hiddenSize + vocabularySize) + sequences * vocabularySize) * 4
    }
}
