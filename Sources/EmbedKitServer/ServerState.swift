import EmbedKit

/// Where the server is in its life: `/health` answers 503 until the model is ready.
enum ServerPhase: Sendable {
    case loading
    case ready(ReadyModel)
    case failed(String)
    case stopping
}

/// A loaded model with its tokenization workers and batch scheduler.
struct ReadyModel: Sendable {
    let backend: any EmbeddingBackend
    let scheduler: BatchScheduler
    let preparation: InputPreparation
    let tokenizers: TokenizationWorkers
    let memory: MemoryAdmission
}
