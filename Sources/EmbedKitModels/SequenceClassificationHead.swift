import EmbedKitCompute
import EmbedKitFormats

/// A sequence-classification head (what cross-encoders are), on the first token's final state:
/// BERT's (`BertForSequenceClassification`: the pooler, tanh(W·h + b) as `pooler.dense`, then
/// `classifier`) or XLM-RoBERTa's (`XLMRobertaForSequenceClassification`, bge-reranker: tanh of
/// `classifier.dense`, then `classifier.out_proj`); one logit per label, computed in fp32.
public struct SequenceClassificationHead: Sendable {
    let pooler: Linear
    let classifier: Linear
    public var labels: Int { classifier.outFeatures }
    /// Weights and biases of the pooler and the classifier.
    public var parameterCount: Int {
        (pooler.inFeatures + 1) * pooler.outFeatures + (classifier.inFeatures + 1) * classifier.outFeatures
    }

    public init(config: TransformerConfig, store: TensorStore, labels: Int) throws {
        let w = WeightLoader(store: store, basePrefix: config.weightPrefix)
        let h = config.hiddenSize
        if store.tensor("classifier.out_proj.weight") != nil {
            pooler = try w.linear("classifier.dense", out: h, in: h)
            classifier = try w.linear("classifier.out_proj", out: labels, in: h)
        } else {
            pooler = try w.linear("pooler.dense", out: h, in: h)
            classifier = try w.linear("classifier", out: labels, in: h)
        }
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
