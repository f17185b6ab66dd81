/// Errors of the evaluation harness, with messages a user can act on.
public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    /// A data file could not be read or a row does not have the expected shape.
    case invalidData(file: String, line: Int?, reason: String)
    /// The data set is empty or too small for the task.
    case insufficientData(String)
    /// The embedding function returned a different number of vectors than texts.
    case embeddingCountMismatch(expected: Int, got: Int)
    /// The embedding function returned vectors of different lengths.
    case dimensionMismatch(expected: Int, got: Int)
    /// An option is out of range.
    case invalidOption(String)

    public var description: String {
        switch self {
        case .invalidData(let f, let l, let r):
            return l.map { "\(f):\($0): \(r)" } ?? "\(f): \(r)"
        case .insufficientData(let r): return r
        case .embeddingCountMismatch(let e, let g):
            return "the embedding function returned \(g) vectors for \(e) texts"
        case .dimensionMismatch(let e, let g):
            return "embeddings of different sizes: \(e) and \(g)"
        case .invalidOption(let r): return r
        }
    }
}
