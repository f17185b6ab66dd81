import EmbedKitCompute
import EmbedKitPipeline
import Foundation

/// bge-m3's dense, sparse and multi-vector (ColBERT) outputs from one forward pass, as FlagEmbedding's
/// `BGEM3FlagModel.encode(return_dense=True, return_sparse=True, return_colbert_vecs=True)` gives them,
/// with its scoring helpers.
///
///     let m3 = try await BGEM3.load("BAAI/bge-m3")
///     let (q, d) = try (m3.encode(["what is a panda?"])[0], m3.encode(["The giant panda is a bear."])[0])
///     let s = BGEM3.score(query: q, passage: d)          // dense, sparse, colbert; weighted sums
///
/// Text is tokenized as FlagEmbedding does it: as given (not stripped), cut at `maxLength` tokens
/// (default: the model's max_seq_length, 8192 for bge-m3; FlagEmbedding's `encode` defaults to 512).
public final class BGEM3: @unchecked Sendable {
    public let textPreparation: TextPreparation
    let model: M3Model
    public var modelID: String { info.modelID }
    /// The ids left out of the lexical weights: the tokenizer's cls, eos, pad and unk tokens.
    let unusedTokens: Set<Int>
    /// As an engine (`forward`, the server): sentence vectors (the dense output), sparse vectors (the
    /// lexical weights) and ColBERT vectors, all from one pass.
    public let info: ModelInfo

    /// One text's three outputs.
    public struct Output: Sendable, Equatable {
        /// The first token's state, L2-normalized (`dense_vecs`).
        public let dense: [Float]
        /// Per token id, its largest ReLU'd weight in the text, special tokens (`<s>`, `</s>`, `<pad>`,
        /// `<unk>`) and zero weights left out (`lexical_weights`).
        public let sparse: SparseVector
        /// One L2-normalized vector per token after the first (the last `</s>` included) (`colbert_vecs`).
        public let colbert: [[Float]]
    }

    /// The scores of one query–passage pair, as FlagEmbedding's `compute_score` with one pair per batch.
    public struct Scores: Sendable, Equatable {
        public let dense: Float
        public let sparse: Float
        public let colbert: Float
        /// (sparse·w₁ + dense·w₀) / (w₀ + w₁).
        public let sparseDense: Float
        /// (colbert·w₂ + sparse·w₁ + dense·w₀) / (w₀ + w₁ + w₂).
        public let colbertSparseDense: Float
    }

    init(model: M3Model, textPreparation: TextPreparation, modelID: String, folder: URL) throws {
        self.model = model
        self.textPreparation = textPreparation
        // FlagEmbedding drops the tokenizer's cls, eos, pad and unk tokens (tokenizer_config.json or
        // special_tokens_map.json; a value is a string or {"content": …}).
        var names: [String: String] = ["cls_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"]
        for file in ["special_tokens_map.json", "tokenizer_config.json"] {
            guard let json = try JSONFile.object(folder.appendingPathComponent(file)) else { continue }
            for key in names.keys {
                if let s = json[key] as? String { names[key] = s }
                if let o = json[key] as? [String: Any], let s = o["content"] as? String { names[key] = s }
            }
        }
        unusedTokens = Set(names.values.compactMap { textPreparation.tokenizer.tokenToId($0) })
        let config = model.encoder.config
        info = ModelInfo(
            modelID: modelID, architecture: config.architecture.rawValue, family: config.architecture.description, dimension: config.hiddenSize,
            maxSequenceLength: textPreparation.maxSequenceLength ?? config.usablePositions ?? config.maxPositionEmbeddings,
            pooling: "cls", normalize: true, modules: ["Transformer", "Pooling(cls)", "Normalize", "sparse_linear", "colbert_linear"],
            parameters: model.encoder.parameterCount + model.headParameterCount, dtype: model.encoder.storedDType,
            layers: config.layers, hiddenSize: config.hiddenSize, heads: config.heads, vocabularySize: config.vocabularySize,
            prompts: textPreparation.prompts, defaultPromptName: textPreparation.defaultPromptName, matryoshkaDimensions: nil,
            precision: model.encoder.precision.rawValue, weightBytes: model.encoder.weightBytes, kind: .embedding,
            outputs: [.pooled, .sparse, .multiVector])
    }

    /// The engine core: one forward pass over prepared inputs, as given: per input its dense vector
    /// (`.pooled`), its lexical weights as interleaved (index, value) floats (`.sparse`), or its ColBERT
    /// vectors (`.multiVector`).
    public func forward(_ inputs: [PreparedInput]) throws -> [[Float]] {
        if let bad = inputs.first(where: { $0.head == .tokens || $0.spans != nil }) {
            throw EmbedKitError.invalidOption("bge-m3 is served without token states (input of \(bad.ids.count) tokens asks for them)")
        }
        let raw = try EmbedKitError.wrapping { try model.forward(inputs.map(\.ids)) }
        return zip(inputs, raw).flatMap { input, r -> [[Float]] in
            switch input.head {
            case .pooled, .tokens: return [Self.normalized(r.cls)]
            case .sparse: return [lexicalWeights(input.ids, r.tokenWeights).interleaved]
            case .multiVector: return r.colbert.map(Self.normalized)
            }
        }
    }

    /// Bytes a forward pass of `tokens` tokens (longest input `longest`) allocates beyond the weights.
    public func activationBytes(tokens: Int, longest: Int) -> Int {
        model.encoder.activationBytes(tokens: tokens, longest: longest, threads: model.threadPool.threads)
            + tokens * (model.colbertDimension + 1) * 4
    }

    /// FlagEmbedding's lexical weights: per token id its largest weight, special tokens and zeros left out.
    func lexicalWeights(_ ids: [Int], _ weights: [Float]) -> SparseVector {
        var best: [Int: Float] = [:]
        for (id, w) in zip(ids, weights) where w > 0 && !unusedTokens.contains(id) {
            if w > best[id, default: 0] { best[id] = w }
        }
        let indices = best.keys.sorted()
        return SparseVector(indices: indices, values: indices.map { best[$0]! })
    }

    /// Whether `folder` holds bge-m3's heads (colbert_linear.pt and sparse_linear.pt beside the encoder).
    public static func isM3(folder: URL) -> Bool { M3Model.isM3(folder: folder) }

    /// Loads bge-m3 (or a fine-tune with its heads) from a folder, or from the Hub for an `org/name` id.
    public static func load(_ pathOrID: String, threads: Int? = nil, precision: Precision = .fp32) async throws -> BGEM3 {
        _ = try precision.resolved()
        return try load(folder: try await ModelLocation.folder(pathOrID, progress: nil), modelID: pathOrID, threads: threads, precision: precision)
    }

    public static func load(folder: URL, modelID: String? = nil, threads: Int? = nil, precision: Precision = .fp32) throws -> BGEM3 {
        let compute = try EmbeddingModel.computePrecision(precision, threads: threads)
        guard isM3(folder: folder) else {
            throw EmbedKitError.invalidOption("\(folder.lastPathComponent) has no colbert_linear.pt and sparse_linear.pt: not a bge-m3 model (embed its dense vectors with EmbeddingModel / `embedkit embed`)")
        }
        return try EmbedKitError.wrapping {
            try BGEM3(model: try M3Model(folder: folder, threads: threads, precision: compute),
                      textPreparation: try TextPreparation(folder: folder, threads: threads), modelID: modelID ?? folder.lastPathComponent,
                      folder: folder)
        }
    }

    /// Each text's dense, sparse and ColBERT outputs from one forward pass.
    public func encode(_ texts: [String], maxLength: Int? = nil, batchSize: Int = 16) throws -> [Output] {
        guard batchSize >= 1 else { throw EmbedKitError.invalidOption("batch size must be at least 1 (got \(batchSize))") }
        let limit = try textPreparation.maxLength(maxLength)
        let tokenizer = textPreparation.tokenizer
        let ids = texts.map { tokenizer.encode($0, maxLength: limit).ids }
        var out: [Output] = []
        out.reserveCapacity(texts.count)
        for start in stride(from: 0, to: ids.count, by: batchSize) {
            let batch = Array(ids[start ..< min(ids.count, start + batchSize)])
            let raw = try EmbedKitError.wrapping { try model.forward(batch) }
            for (sequence, r) in zip(batch, raw) {
                out.append(Output(dense: Self.normalized(r.cls), sparse: lexicalWeights(sequence, r.tokenWeights),
                                  colbert: r.colbert.map(Self.normalized)))
            }
        }
        return out
    }

    static func normalized(_ v: [Float]) -> [Float] {
        let norm = max(sqrt(v.reduce(0) { $0 + $1 * $1 }), 1e-12)
        return v.map { $0 / norm }
    }

    // MARK: - Scores (FlagEmbedding's helpers)

    /// `compute_lexical_matching_score`: the sum over shared token ids of the two weights' products.
    public static func lexicalMatchingScore(_ a: SparseVector, _ b: SparseVector) -> Float { a.dot(b) }

    /// `colbert_score`: per query vector its best dot product with a passage vector, averaged over the
    /// query's vectors.
    public static func colbertScore(query: [[Float]], passage: [[Float]]) -> Float {
        guard !query.isEmpty else { return 0 }
        let total = query.reduce(Float(0)) { sum, q in
            sum + (passage.map { p in zip(q, p).reduce(0) { $0 + $1.0 * $1.1 } }.max() ?? 0)
        }
        return total / Float(query.count)
    }

    /// `compute_score` of one pair: dense (dot of the dense vectors), sparse, colbert, and the weighted
    /// sums with `weights` [dense, sparse, colbert] (FlagEmbedding's default [1, 1, 1]).
    public static func score(query: Output, passage: Output, weights: [Float] = [1, 1, 1]) -> Scores {
        precondition(weights.count == 3, "weights: [dense, sparse, colbert]")
        let dense = zip(query.dense, passage.dense).reduce(0) { $0 + $1.0 * $1.1 }
        let sparse = lexicalMatchingScore(query.sparse, passage.sparse)
        let colbert = colbertScore(query: query.colbert, passage: passage.colbert)
        return Scores(dense: dense, sparse: sparse, colbert: colbert,
                      sparseDense: (sparse * weights[1] + dense * weights[0]) / (weights[1] + weights[0]),
                      colbertSparseDense: (colbert * weights[2] + sparse * weights[1] + dense * weights[0]) / weights.reduce(0, +))
    }
}
