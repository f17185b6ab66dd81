import EmbedKit

/// Where the server is in its life: requests are refused (503) until the model is ready.
enum ServerPhase: Sendable {
    case loading
    case ready(EngineFront)
    case failed(String)
    case stopping
}

/// The engine side of the server, with no HTTP in it: a loaded model, the threads that plan requests
/// (tokenization), the queue that batches every request's inputs into forward passes, and the memory
/// admission. A route translates its JSON into an `EmbeddingRequest`, calls `embed`, and writes the
/// `EmbeddingResponse` back.
struct EngineFront: Sendable {
    let backend: any EmbeddingBackend
    let scheduler: BatchScheduler
    let tokenizers: TokenizationWorkers
    let memory: MemoryAdmission
    /// Token limit per input: the server's `--max-input-tokens`, at most the model's max_seq_length.
    let maxInputTokens: Int
    /// Inputs per request at most (`--max-client-batch-size`).
    let maxInputs: Int
    /// The model's name for clients (`--served-model-name`, never a filesystem path).
    let modelName: String

    var info: ModelInfo { backend.info }
    var textPreparation: TextPreparation { backend.textPreparation }

    /// The server's limits on a request: its input count and the token limit per input.
    func limited(_ request: EmbeddingRequest) -> EmbeddingRequest {
        var request = request
        request.maxInputs = maxInputs
        request.options.maxLength = maxInputTokens
        return request
    }

    /// Plans `request` on the tokenization threads, runs its inputs through the queue, and finishes it.
    /// A request is answered whole: an input that cannot be planned is thrown before anything is queued
    /// (`EmbedKitError.input`); `EmbeddingResponse.all()` throws any later failure.
    func embed(_ request: EmbeddingRequest) async throws -> EmbeddingResponse {
        let backend = self.backend
        // A sparse model's other outputs are refused by the plan (`EmbeddingPlan.validate`, ModelInfo.outputs).
        if backend.info.kind == .reranker {
            throw EmbedKitError.invalidOption("this server serves a reranker (\(modelName)), which gives no embeddings: POST /rerank or /v1/rerank")
        }
        let plan = try await tokenizers.run { try EmbeddingPlan(request, preparation: backend.textPreparation, info: backend.info) }
        if let failure = plan.failures.first { throw EmbedKitError.input(index: failure.index, failure.error) }
        return try plan.finish(try await scheduler.submit(plan.inputs))
    }

    /// Reserves an upper bound of the memory a request holds while handled (`MemoryBudget.requestBytes`)
    /// and runs `body`: one vector per input, or, when inputs are cut into chunks of `chunkTokens`, one
    /// per chunk of the most tokens the body can hold; `sizes` Matryoshka outputs of each; with
    /// `perToken`, one hidden-width vector per token the body can hold. `promptTokens` bounds the tokens
    /// added to every input (default: the model's longest prompt; for a reranker, its query).
    func reserving<T>(body bytes: Int, inputs: Int, chunkTokens: Int? = nil, sizes: Int = 1, perToken: Bool = false,
                      promptTokens: Int? = nil, _ work: () async throws -> T) async throws -> T {
        let prompt = promptTokens ?? info.prompts.values.map(\.utf8.count).max() ?? 0
        let chunks = chunkTokens.map { bytes / max(1, $0 / 2) } ?? 0
        let reserved = perToken
            ? MemoryBudget.requestBytes(body: bytes, inputs: inputs, promptTokens: prompt,
                                        vectors: bytes + inputs * (prompt + 2), dimension: info.hiddenSize)
            : MemoryBudget.requestBytes(body: bytes, inputs: inputs, promptTokens: prompt, vectors: inputs + chunks,
                                        dimension: info.dimension * max(1, sizes))
        try memory.reserve(reserved)
        defer { memory.release(reserved) }
        return try await work()
    }
}
