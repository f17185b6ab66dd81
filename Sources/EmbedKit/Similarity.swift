/// Similarity functions as sentence-transformers defines them (distances are negated, so that
/// larger always means more similar).
public enum SimilarityFunction: String, Sendable, CaseIterable {
    case cosine, dot, euclidean, manhattan

    public func callAsFunction(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "vectors of different dimensions")
        switch self {
        case .cosine:
            var d: Float = 0, na: Float = 0, nb: Float = 0
            for i in a.indices { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
            return d / (max(na.squareRoot(), 1e-8) * max(nb.squareRoot(), 1e-8))
        case .dot:
            var d: Float = 0
            for i in a.indices { d += a[i] * b[i] }
            return d
        case .euclidean:
            var s: Float = 0
            for i in a.indices { let x = a[i] - b[i]; s += x * x }
            return -s.squareRoot()
        case .manhattan:
            var s: Float = 0
            for i in a.indices { s += abs(a[i] - b[i]) }
            return -s
        }
    }

    /// The [a.count, b.count] matrix of similarities.
    public func matrix(_ a: [[Float]], _ b: [[Float]]) -> [[Float]] {
        a.map { x in b.map { y in self(x, y) } }
    }
}

extension TextPreparation {
    /// The similarity function the model was trained for (config_sentence_transformers.json
    /// `similarity_fn_name`), else cosine, as sentence-transformers' `model.similarity`.
    public var similarityFunction: SimilarityFunction {
        switch similarityFunctionName {
        case "dot", "dot_product": return .dot
        case "euclidean": return .euclidean
        case "manhattan": return .manhattan
        default: return .cosine
        }
    }
}
