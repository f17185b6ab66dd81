import EmbedKitCompute
import EmbedKitFormats
import Foundation

/// The last hidden states of a batch: `values` is [batch.totalTokens, hiddenSize], sequence `i` at
/// rows `batch.offsets[i] ..< batch.offsets[i] + batch.lengths[i]`.
public struct HiddenStates: Sendable {
    public let values: [Float]
    public let batch: SequenceBatch
    public let hiddenSize: Int

    /// The rows of sequence `i`, each `hiddenSize` values.
    public func rows(of i: Int) -> ArraySlice<Float> {
        let start = batch.offsets[i] * hiddenSize
        return values[start ..< start + batch.lengths[i] * hiddenSize]
    }
}

/// A BERT-like encoder (every family of `EncoderFamilies`) with weights loaded once.
public final class TransformerEncoder: @unchecked Sendable {
    public let config: TransformerConfig
    /// Number of parameters loaded (pooler excluded).
    public let parameterCount: Int
    /// Stored element type of most weights ("float32", "float16", "bfloat16").
    public let storedDType: String
    let wordEmbeddings: EmbeddingTable
    let positionEmbeddings: EmbeddingTable?
    let tokenTypeEmbeddings: EmbeddingTable?
    /// MPNet: [buckets, heads] attention bias by relative-position bucket.
    let relativeAttentionBias: [Float]?
    /// The embeddings' LayerNorm (none in a decoder).
    let embeddingNorm: LayerNormWeights?
    let layers: [EncoderLayer]
    /// Pre-norm families: the LayerNorm after the last layer.
    let finalNorm: LayerNormWeights?
    let alibiSlopes: [Float]?

    /// The precision the encoder's Linear layers compute in.
    public let precision: ComputePrecision

    /// Loads the encoder described by `config` from `store` (names with or without a `bert.` prefix),
    /// its Linear layers converted to `precision` once, here.
    public init(config: TransformerConfig, store: TensorStore, precision: ComputePrecision = .fp32) throws {
        guard precision.isSupported else { throw ComputeError.unsupportedPrecision(precision) }
        self.config = config
        self.precision = precision
        let w = WeightLoader(store: store, precision: precision, basePrefix: config.weightPrefix)
        // JinaBERT's qk-post-norm variant (jina-embeddings-v2-base-code: LayerNorm on Q and K, a second
        // residual) has no reference outputs here to check a forward pass against: refused, by structure.
        if store.tensors.keys.contains(where: { $0.hasSuffix("attention.self.layer_norm_q.weight") }) {
            throw ModelError.unsupportedArchitecture(
                file: store.file, reason: "JinaBERT with LayerNorm on Q and K (qk-post-norm, e.g. jina-embeddings-v2-base-code) is not supported yet")
        }
        let h = config.hiddenSize
        let family = EncoderFamilies.family(config.architecture)
        wordEmbeddings = EmbeddingTable(try w.tensor(family.wordEmbeddings, [config.vocabularySize, h]))
        tokenTypeEmbeddings = config.typeVocabularySize > 0
            ? EmbeddingTable(try w.tensor("embeddings.token_type_embeddings.weight", [config.typeVocabularySize, h])) : nil
        relativeAttentionBias = config.relativeAttentionBuckets > 0
            ? try w.vector2D("encoder.relative_attention_bias.weight", [config.relativeAttentionBuckets, config.heads]) : nil
        switch config.architecture.positionScheme {
        case .learned:
            positionEmbeddings = EmbeddingTable(try w.tensor("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, h]))
            alibiSlopes = nil
        case .alibi:
            positionEmbeddings = nil
            alibiSlopes = Attention.alibiSlopes(heads: config.heads)
        case .rotary:
            positionEmbeddings = nil
            alibiSlopes = nil
        }
        embeddingNorm = try family.embeddingNorm(config, weights: w)
        finalNorm = try family.finalNorm(config, weights: w)

        let layers = try (0..<config.layers).map { try family.layer($0, config: config, weights: w) }
        self.layers = layers
        let counted = store.tensors.filter { !$0.key.contains("pooler.") && !$0.key.hasPrefix("cls.") }
        parameterCount = counted.values.reduce(0) { $0 + $1.count }
        let byType = Dictionary(grouping: counted.values, by: \.dtype).mapValues { $0.reduce(0) { $0 + $1.count } }
        switch byType.max(by: { $0.value < $1.value })?.key ?? .float32 {
        case .float32: storedDType = "float32"
        case .float16: storedDType = "float16"
        case .bfloat16: storedDType = "bfloat16"
        }
    }

    /// Bytes the loaded weights occupy in memory (packed Linear layers, embedding tables, norms).
    public var weightBytes: Int {
        var total = wordEmbeddings.memoryBytes + (tokenTypeEmbeddings?.memoryBytes ?? 0) + (positionEmbeddings?.memoryBytes ?? 0)
        for layer in layers {
            total += layer.qkv.memoryBytes + layer.attentionOutput.memoryBytes
            let (a, b) = layer.feedForward.linears
            total += a.memoryBytes + b.memoryBytes
            total += 4 * ((layer.attentionNorm?.gamma.count ?? 0) + layer.outputNorm.gamma.count) * 2
                + 4 * ((layer.queryNorm?.gamma.count ?? 0) + (layer.keyNorm?.gamma.count ?? 0))
        }
        return total
    }

    /// The longest sequence the encoder accepts (position embeddings for BERT; unbounded for ALiBi and rotary).
    public var maximumSequenceLength: Int? {
        config.usablePositions
    }

    /// Fewest tokens a thread takes when a batch is split by sequence (`forward`): below it, splitting each
    /// layer's work instead reads each weight once per batch rather than once per thread.
    static var minimumTokensPerThread: Int { 32 }

    /// Runs the encoder over `sequences` of token ids (special tokens included). Token types default to 0.
    ///
    /// With several threads and enough tokens, the batch is split into one contiguous run of sequences per
    /// thread (as even in tokens as whole sequences allow), and each thread runs every layer on its run
    /// alone: no hand-off between threads inside the pass. Otherwise every operation is split over the
    /// threads. The result is the same to the bit either way: every kernel computes a row, and attention
    /// a sequence, the same whichever thread runs it and whichever rows it runs beside.
    public func forward(_ sequences: [[Int]], tokenTypes: [[Int]]? = nil, pool: ThreadPool) throws -> HiddenStates {
        let batch = SequenceBatch(lengths: sequences.map(\.count))
        let h = config.hiddenSize
        for s in sequences {
            if let maxLen = maximumSequenceLength, s.count > maxLen {
                throw ModelError.sequenceTooLong(length: s.count, maximum: maxLen)
            }
            for id in s where id < 0 || id >= config.vocabularySize {
                throw ModelError.tokenOutOfRange(id: id, vocabularySize: config.vocabularySize)
            }
        }
        let runs = pool.threads > 1 ? batch.split(into: pool.threads, minimumTokens: Self.minimumTokensPerThread) : [0..<batch.count]
        let values = [Float](unsafeUninitializedCapacity: batch.totalTokens * h) { out, initialized in
            if let base = out.baseAddress {
                if runs.count == 1 {
                    encode(sequences, tokenTypes: tokenTypes, into: base, pool: pool)
                } else {
                    pool.parallelFor(runs.count) { r in
                        let run = runs[r]
                        encode(Array(sequences[run]), tokenTypes: tokenTypes.map { Array($0[run]) },
                               into: base + batch.offsets[run.lowerBound] * h, pool: pool.singleThreaded)
                    }
                }
            }
            initialized = batch.totalTokens * h
        }
        return HiddenStates(values: values, batch: batch, hiddenSize: h)
    }

    /// The last hidden states of `sequences` (checked by `forward`) into `out`, [tokens, hiddenSize].
    private func encode(_ sequences: [[Int]], tokenTypes: [[Int]]?, into out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let batch = SequenceBatch(lengths: sequences.map(\.count))
        let h = config.hiddenSize
        let shape = AttentionShape(config)
        let ws = Workspace(tokens: batch.totalTokens, shape: shape, intermediate: config.intermediateSize,
                           gated: layers.contains { $0.feedForward.writesGatedProduct })
        // Embeddings: word + position (from the config's offset; none with ALiBi or rotary) + token type, then LayerNorm.
        pool.parallelFor(sequences.count) { s in
            let ids = sequences[s]
            for (j, id) in ids.enumerated() {
                let row = ws.hidden + (batch.offsets[s] + j) * h
                row.initialize(repeating: 0, count: h)
                wordEmbeddings.add(row: id, into: row)
                positionEmbeddings?.add(row: j + config.positionOffset, into: row)
                if let tokenTypeEmbeddings {
                    var type = tokenTypes?[s][j] ?? 0
                    if type < 0 || type >= tokenTypeEmbeddings.rows { type = 0 }
                    tokenTypeEmbeddings.add(row: type, into: row)
                }
            }
        }
        embeddingNorm?.apply(ws.hidden, residual: nil, rows: batch.totalTokens, pool: pool)
        // MPNet: the relative-position bias, one table per head up to this batch's longest distance.
        let distanceBias = relativeAttentionBias.map { table in
            DistanceBias(heads: config.heads, maxDistance: max(0, (batch.lengths.max() ?? 1) - 1)) { head, distance in
                table[MPNet.bucket(distance) * config.heads + head]   // 32 buckets, as compute_position_bias
            }
        }
        // Rotary families: one cos/sin table per base θ the layers use, up to this batch's longest sequence.
        var rotary = [Float: RotaryEmbedding]()
        for base in Set(layers.compactMap(\.rotaryBase)) {
            rotary[base] = RotaryEmbedding(base: base, dimension: config.headDim, positions: batch.maxLength)
        }
        for layer in layers {
            layer.forward(ws, batch: batch, shape: shape, alibiSlopes: alibiSlopes,
                          distanceBias: distanceBias, rotary: rotary, pool: pool)
        }
        finalNorm?.apply(ws.hidden, residual: nil, rows: batch.totalTokens, pool: pool)
        out.update(from: ws.hidden, count: batch.totalTokens * h)
    }
}
