import EmbedKitCompute
import EmbedKitPipeline
import Foundation

/// A sparse vector over a model's vocabulary: the nonzero entries, indices ascending.
public struct SparseVector: Sendable, Equatable, Codable {
    public var indices: [Int]
    public var values: [Float]

    public init(indices: [Int], values: [Float]) {
        self.indices = indices
        self.values = values
    }

    /// The nonzero entries of a dense vector; with `maxActiveDims`, only that many of the largest
    /// (sentence-transformers' `max_active_dims`: the top k by absolute value; ties to the lower index).
    public init(dense: [Float], maxActiveDims: Int? = nil) {
        var nonzero = dense.indices.filter { dense[$0] != 0 }
        if let k = maxActiveDims, nonzero.count > k {
            nonzero = Array(nonzero.sorted { abs(dense[$0]) > abs(dense[$1]) || (abs(dense[$0]) == abs(dense[$1]) && $0 < $1) }
                .prefix(max(0, k))).sorted()
        }
        indices = nonzero
        values = nonzero.map { dense[$0] }
    }

    /// The entries as interleaved (index, value) floats, as `SparseEncoder.forward` gives them.
    public init(interleaved pairs: [Float]) {
        indices = stride(from: 0, to: pairs.count - 1, by: 2).map { Int(pairs[$0]) }
        values = stride(from: 1, to: pairs.count, by: 2).map { pairs[$0] }
    }

    /// The entries as interleaved (index, value) floats: what `forward` gives per input, read back by
    /// `init(interleaved:)`.
    public var interleaved: [Float] {
        var pairs: [Float] = []
        pairs.reserveCapacity(2 * indices.count)
        for (i, x) in zip(indices, values) { pairs.append(Float(i)); pairs.append(x) }
        return pairs
    }

    /// The dot product with another sparse vector (SPLADE's similarity).
    public func dot(_ other: SparseVector) -> Float {
        var i = 0, j = 0, sum: Float = 0
        while i < indices.count && j < other.indices.count {
            if indices[i] == other.indices[j] { sum += values[i] * other.values[j]; i += 1; j += 1 }
            else if indices[i] < other.indices[j] { i += 1 } else { j += 1 }
        }
        return sum
    }
}

/// A SPLADE sparse encoder, as sentence-transformers' `SparseEncoder` runs it: text prepared as for
/// embeddings (prompt, strip, lowercase, truncation at max_seq_length), the masked-LM head's logits of
/// every token, log(1 + ReLU(x)), pooled (max, or sum) over the tokens into one weight per vocabulary
/// entry; most are zero.
///
///     let splade = try await SparseEncoder.load("naver/splade-v3")
///     let v = try splade.encode(["what is a panda?"])[0]      // SparseVector, indices ascending
///     splade.tokens(of: v, topK: 5)                            // [("panda", 2.1), …]: what it weighs
public final class SparseEncoder: @unchecked Sendable {
    public let textPreparation: TextPreparation
    let model: SpladeModel
    /// `kind` .sparse; `dimension` the vocabulary size.
    public let info: ModelInfo

    init(model: SpladeModel, textPreparation: TextPreparation, modelID: String) {
        self.model = model
        self.textPreparation = textPreparation
        let config = model.encoder.config
        info = ModelInfo(
            modelID: modelID, architecture: config.architecture.rawValue, family: config.architecture.description, dimension: model.head.vocabularySize,
            maxSequenceLength: textPreparation.maxSequenceLength ?? config.maxPositionEmbeddings,
            pooling: "splade", normalize: false, modules: ["MLMTransformer", "SpladePooling(\(model.pooling.rawValue), \(model.activation.rawValue))"],
            parameters: model.encoder.parameterCount + model.head.parameterCount, dtype: model.encoder.storedDType,
            layers: config.layers, hiddenSize: config.hiddenSize, heads: config.heads, vocabularySize: config.vocabularySize,
            prompts: textPreparation.prompts, defaultPromptName: textPreparation.defaultPromptName, matryoshkaDimensions: nil,
            precision: model.encoder.precision.rawValue, weightBytes: model.encoder.weightBytes, kind: .sparse, outputs: [.sparse])
    }

    /// Loads a sparse encoder from a local folder, or from the Hub for an `org/name[@revision]` id.
    public static func load(_ pathOrID: String, threads: Int? = nil, precision: Precision = .fp32) async throws -> SparseEncoder {
        _ = try precision.resolved()
        let folder = try await ModelLocation.folder(pathOrID, progress: nil)
        return try load(folder: folder, modelID: pathOrID, threads: threads, precision: precision)
    }

    /// Whether `folder` holds a SPLADE model (modules.json: MLMTransformer, then SpladePooling).
    public static func isSparseEncoder(folder: URL) -> Bool { SpladeModel.isSplade(folder: folder) }

    /// Loads a sparse encoder from a sentence-transformers `SparseEncoder` folder.
    public static func load(folder: URL, modelID: String? = nil, threads: Int? = nil, precision: Precision = .fp32) throws -> SparseEncoder {
        let compute = try EmbeddingModel.computePrecision(precision, threads: threads)
        guard isSparseEncoder(folder: folder) else {
            throw EmbedKitError.invalidOption("\(folder.lastPathComponent) is not a sparse encoder (modules.json lists no MLMTransformer + SpladePooling): embed with EmbeddingModel / `embedkit embed`")
        }
        return try EmbedKitError.wrapping {
            SparseEncoder(model: try SpladeModel(folder: folder, threads: threads, precision: compute),
                          textPreparation: try TextPreparation(folder: folder, threads: threads),
                          modelID: modelID ?? folder.lastPathComponent)
        }
    }

    /// Each text's sparse vector, as `SparseEncoder.encode` gives it (`prompt` or `promptName`: as for
    /// embeddings; `maxActiveDims`: keep only that many of the largest weights).
    public func encode(_ texts: [String], prompt: String? = nil, promptName: String? = nil, maxActiveDims: Int? = nil,
                       batchSize: Int = 32) throws -> [SparseVector] {
        guard batchSize >= 1 else { throw EmbedKitError.invalidOption("batch size must be at least 1 (got \(batchSize))") }
        if let maxActiveDims, maxActiveDims < 1 { throw EmbedKitError.invalidOption("max active dims must be at least 1 (got \(maxActiveDims))") }
        let inputs = try textPreparation.prepare(texts, prompt: try textPreparation.prompt(prompt, named: promptName))
        var out: [SparseVector] = []
        out.reserveCapacity(texts.count)
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            let batch = Array(inputs[start ..< min(inputs.count, start + batchSize)])
            out += try EmbedKitError.wrapping { try model.forward(batch.map(\.ids)) }.map { SparseVector(dense: $0, maxActiveDims: maxActiveDims) }
        }
        return out
    }

    /// The engine core: one forward pass over prepared inputs, as given; per input its nonzero weights
    /// as interleaved (index, value) floats, indices ascending (`SparseVector(interleaved:)`; an index
    /// is exact as a Float below 2²⁴, far above any vocabulary).
    public func forward(_ inputs: [PreparedInput]) throws -> [[Float]] {
        try EmbedKitError.wrapping { try model.forward(inputs.map(\.ids)) }.map { dense in
            dense.contains(where: { !$0.isFinite }) ? [.nan] : SparseVector(dense: dense).interleaved
        }
    }

    /// The token text of each entry, largest weight first (or the `topK` largest): what the vector
    /// weighs, as `SparseEncoder.decode` shows it.
    public func tokens(of vector: SparseVector, topK: Int? = nil) -> [(token: String, value: Float)] {
        let order = vector.indices.indices.sorted { vector.values[$0] > vector.values[$1] || (vector.values[$0] == vector.values[$1] && $0 < $1) }
        return order.prefix(topK ?? order.count).map { (textPreparation.tokenizer.idToToken(vector.indices[$0]) ?? "[\(vector.indices[$0])]", vector.values[$0]) }
    }

    /// Bytes a forward pass of `tokens` tokens (longest input `longest`) allocates beyond the weights.
    public func activationBytes(tokens: Int, longest: Int) -> Int {
        model.encoder.activationBytes(tokens: tokens, longest: longest, threads: model.threadPool.threads)
            + model.head.activationBytes(sequences: max(1, tokens / max(1, longest)) + 1, hiddenSize: model.encoder.config.hiddenSize)
    }
}
