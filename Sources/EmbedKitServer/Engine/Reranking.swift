import EmbedKit

/// What the server needs from a reranker beyond an `EmbeddingBackend`: pairs made into inputs (one per
/// window of a long document) and the head's activation. Its `forward` gives one raw logit per input.
/// `CrossEncoder` conforms; `embedkit serve` serves whichever kind of model it loaded (`ModelInfo.kind`).
public protocol RerankingBackend: EmbeddingBackend {
    func prepare(query: String, document: String, longDocuments: CrossEncoder.LongDocuments, maxLength: Int?) throws -> [PreparedInput]
    /// The model's activation of a raw logit (sigmoid for a one-label head).
    func score(logit: Float) -> Float
}

extension CrossEncoder: RerankingBackend {}

/// A rerank request as the engine takes it, whichever API it came through.
struct RerankRequest: Sendable {
    let query: String
    let documents: [String]
    var longDocuments: CrossEncoder.LongDocuments = .bestChunk
    var rawScores = false
}

/// Every document's score, in input order, and the tokens the pairs took.
struct RerankResponse: Sendable {
    let ranked: [CrossEncoder.Ranked]
    let tokens: Int

    /// The documents cut to fit (`truncate`), for `X-Truncated-Inputs`.
    var truncated: [Int] { ranked.filter(\.truncated).map(\.index) }
}

extension EngineFront {
    /// Scores every document against the query through the same queue and memory admission as
    /// embeddings: the pairs are planned on the tokenization threads (a long document becomes one pair
    /// per window, scored by its best), then run in the batch worker's passes.
    func rerank(_ request: RerankRequest, body bytes: Int) async throws -> RerankResponse {
        guard let reranker = backend as? any RerankingBackend else {
            throw EmbedKitError.invalidOption("this server serves an embedding model (\(modelName)); reranking needs a cross-encoder: `embedkit serve --model <reranker>`")
        }
        if request.documents.count > maxInputs { throw EmbedKitError.tooManyInputs(count: request.documents.count, limit: maxInputs) }
        if request.documents.isEmpty { return RerankResponse(ranked: [], tokens: 0) }
        let limit = maxInputTokens
        // Each pair holds the query again: its bytes bound its tokens, like a prompt's.
        return try await reserving(body: bytes, inputs: request.documents.count, chunkTokens: limit,
                                   promptTokens: request.query.utf8.count + 8) {
            let pairs = try await tokenizers.run {
                try request.documents.enumerated().map { i, document in
                    do {
                        return try reranker.prepare(query: request.query, document: document, longDocuments: request.longDocuments, maxLength: limit)
                    } catch let error as EmbedKitError {
                        if case .queryTooLong = error.reason { throw error }
                        throw EmbedKitError.input(index: i, error)
                    }
                }
            }
            let flat = pairs.flatMap { $0 }
            let logits = try await scheduler.submit(flat).map { $0[0] }
            if logits.contains(where: { !$0.isFinite }) { throw EmbedKitError.nonFiniteOutput }
            let ranked = CrossEncoder.ranked(logits, of: pairs, score: request.rawScores ? { $0 } : reranker.score(logit:))
            return RerankResponse(ranked: ranked, tokens: flat.reduce(0) { $0 + $1.ids.count })
        }
    }
}
