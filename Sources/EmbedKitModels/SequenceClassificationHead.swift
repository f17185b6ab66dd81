import EmbedKitCompute
import EmbedKitFormats

/// BERT's sequence-classification head (`BertForSequenceClassification`, what cross-encoders such as
/// ms-marco-MiniLM-L-6-v2 are): the pooler, tanh(W·h + b) of the first token's final state, then
/// `classifier`, one logit per label. Weights `bert.pooler.dense.*` (or `pooler.dense.*`) and
/// `classifier.*`; computed in fp32.
public struct SequenceClassificationHead: Sendable {
    let pooler: Linear
    let classifier: Linear
    public var labels: Int { classifier.outFeatures }
    /// Weights and biases of the pooler and the classifier.
    public var parameterCount: Int {
        (pooler.inFeatures + 1) * pooler.outFeatures + (classifier.inFeatures + 1) * classifier.outFeatures
    }

    public init(config: TransformerConfig, store: TensorStore, labels: Int) throws {
        let w = WeightLoader(store: store)
        let h = config.hiddenSize
        pooler = try w.linear("pooler.dense", out: h, in: h)
        classifier = try w.linear("classifier", out: labels, in: h)
    }

    /// Per sequence of `hidden`, its `labels` logits.
    public func logits(_ hidden: HiddenStates, pool: ThreadPool) -> [[Float]] {
        let h = hidden.hiddenSize, n = hidden.batch.lengths.count
        var first = [Float](repeating: 0, count: n * h)
        for i in 0..<n {
            let rows = hidden.rows(of: i)
            first.replaceSubrange(i * h ..< (i + 1) * h, with: rows.prefix(h))
        }
        var pooled = [Float](repeating: 0, count: n * h)
        var out = [Float](repeating: 0, count: n * labels)
        first.withUnsafeBufferPointer { x in
            pooled.withUnsafeMutableBufferPointer { p in
                pooler.apply(x.baseAddress!, rows: n, into: p.baseAddress!, pool: pool)
                Ops.tanh(p.baseAddress!, count: n * h)
            }
        }
        pooled.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { y in classifier.apply(p.baseAddress!, rows: n, into: y.baseAddress!, pool: pool) }
        }
        return (0..<n).map { Array(out[$0 * labels ..< ($0 + 1) * labels]) }
    }
}
