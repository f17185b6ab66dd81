import Foundation
import EmbedKitPipeline

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

    /// Checks `dimensions` against the model's output dimension and, when the model declares the
    /// Matryoshka sizes it was trained for, against those (the full dimension is always allowed).
    public func validate(modelDimension: Int, matryoshkaDimensions: [Int]? = nil) throws {
        guard let k = dimensions else { return }
        if k < 1 || k > modelDimension {
            throw EmbedKitError.invalidOption("dimensions must be between 1 and the model's \(modelDimension), got \(k)")
        }
        if let sizes = matryoshkaDimensions, !sizes.isEmpty, k != modelDimension, !sizes.contains(k) {
            let listed = (Set(sizes).union([modelDimension])).sorted().map(String.init).joined(separator: ", ")
            throw EmbedKitError.invalidOption("this model was trained for the Matryoshka sizes \(listed); got \(k)")
        }
    }

    public func apply(_ vector: [Float]) -> [Float] {
        var out = dimensions.map { Array(vector.prefix($0)) } ?? vector
        if normalize { Normalize.apply(&out) }
        return out
    }

    /// Several Matryoshka sizes of one vector (nil: the full width), each truncated then renormalized
    /// when `normalize`.
    public func sizes(_ vector: [Float], _ dimensions: [Int?]) -> [[Float]] {
        dimensions.map { Postprocessing(dimensions: $0, normalize: normalize).apply(vector) }
    }

    /// The Matryoshka sizes a model folder declares: `matryoshka_dims` or `matryoshka_dimensions` in
    /// config_sentence_transformers.json or config.json; nil when neither says.
    static func matryoshkaDimensions(folder: URL) throws -> [Int]? {
        for file in ["config_sentence_transformers.json", "config.json"] {
            guard let object = try JSONFile.object(folder.appendingPathComponent(file)) else { continue }
            for key in ["matryoshka_dims", "matryoshka_dimensions"] {
                if let list = object[key] as? [NSNumber] { return list.map(\.intValue) }
            }
        }
        return nil
    }
}
