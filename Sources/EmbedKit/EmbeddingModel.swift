import Foundation
import Tokenizers
import Pipeline
import Hub
import Logging

public typealias Encoding = Tokenizers.Encoding

/// A sentence-transformers model loaded from a folder or a Hugging Face Hub id.
/// Thread-safe: one loaded model serves many concurrent callers.
public final class EmbeddingModel: @unchecked Sendable {
    public let info: ModelInfo
    public let tokenizer: Tokenizer
    let pipeline: SentenceTransformer

    init(pipeline: SentenceTransformer, info: ModelInfo) {
        self.pipeline = pipeline
        self.tokenizer = pipeline.tokenizer
        self.info = info
    }
}

extension EmbeddingModel {
    /// Loads a model from a local folder, or from the Hugging Face Hub for an `org/name[@revision]` id.
    public static func load(_ pathOrID: String, threads: Int? = nil) async throws -> EmbeddingModel {
        throw EmbedKitError.notImplemented("load")
    }

    /// Loads a model from a local sentence-transformers folder.
    public static func load(folder: URL, modelID: String? = nil, threads: Int? = nil) throws -> EmbeddingModel {
        throw EmbedKitError.notImplemented("load")
    }

    /// Sentence embeddings, one per text, in input order: sentence-transformers' `encode`.
    public func encode(_ texts: [String], options: EncodeOptions = EncodeOptions()) throws -> [[Float]] {
        throw EmbedKitError.notImplemented("encode")
    }

    /// Token embeddings (the Transformer output before pooling), one [tokens][dimension] matrix per text.
    public func encodeTokenEmbeddings(_ texts: [String], options: EncodeOptions = EncodeOptions()) throws -> [[[Float]]] {
        throw EmbedKitError.notImplemented("encode")
    }

    /// Sentence embeddings of already-tokenized inputs (ids include the special tokens).
    public func encode(tokenIDs: [[Int]], options: EncodeOptions = EncodeOptions()) throws -> [[Float]] {
        throw EmbedKitError.notImplemented("encode")
    }

    /// Tokenizes as `encode` would (prompt applied, truncated to `maxLength` or max_seq_length).
    public func tokenize(_ texts: [String], maxLength: Int? = nil) -> [Encoding] {
        []
    }
}
