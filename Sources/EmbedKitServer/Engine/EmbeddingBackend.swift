import EmbedKit

/// What the server needs from an embedding engine: the model's description, its text preparation, and
/// one forward pass over prepared inputs. `EmbeddingModel` conforms; tests wrap it to hold or record
/// passes. No method has a default: a wrapper states every behaviour it changes.
public protocol EmbeddingBackend: Sendable {
    var info: ModelInfo { get }
    /// Prompts, strip/lowercase, tokenizer, limits and token-id checks: the only way to make inputs.
    var textPreparation: TextPreparation { get }
    /// The model's sentence embeddings (its own modules, Normalize included, nothing else) for `inputs`,
    /// in order, as one forward pass: each input's `vectorCount` (one per late-chunking span, or per token
    /// for `tokenStates`). Synchronous CPU work; called from the batch worker only.
    func forward(_ inputs: [PreparedInput]) throws -> [[Float]]
    /// Bytes a forward pass of `tokens` tokens (longest input `longest`) allocates beyond the weights:
    /// an upper bound, for the memory budget (`EmbeddingModel.activationBytes`).
    func activationBytes(tokens: Int, longest: Int) -> Int
}

extension EmbeddingModel: EmbeddingBackend {}

/// A SPLADE model's `forward` gives each input's nonzero weights as interleaved (index, value) floats
/// (`EmbeddingRequest.Output.sparse`); it answers `/embed_sparse` only.
extension SparseEncoder: EmbeddingBackend {}

/// bge-m3 served whole: sentence vectors on the embedding routes, its lexical weights on `/embed_sparse`,
/// its ColBERT vectors on `/v1/multi-vector`, each from the same forward pass (`ModelInfo.outputs`).
extension BGEM3: EmbeddingBackend {}
