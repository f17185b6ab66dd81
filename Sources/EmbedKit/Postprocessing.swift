import Pipeline

/// What happens to a sentence vector after the model's own modules (Pooling, Dense, Normalize):
/// Matryoshka truncation to `dimensions`, then L2 normalization if asked, in sentence-transformers'
/// order. `encode` and the server both apply it through this one type.
public struct Postprocessing: Sendable, Equatable {
    /// Keep the first k values; nil: all.
    public var dimensions: Int?
    /// L2-normalize (after truncation).
    public var normalize: Bool

    public init(dimensions: Int? = nil, normalize: Bool = false) {
        self.dimensions = dimensions
        self.normalize = normalize
    }

    /// Checks `dimensions` against the model's output dimension.
    public func validate(modelDimension: Int) throws {
        if let k = dimensions, k < 1 || k > modelDimension {
            throw EmbedKitError.invalidOption("dimensions must be between 1 and the model's \(modelDimension), got \(k)")
        }
    }

    public func apply(_ vector: [Float]) -> [Float] {
        var out = dimensions.map { Array(vector.prefix($0)) } ?? vector
        if normalize { Normalize.apply(&out) }
        return out
    }
}
