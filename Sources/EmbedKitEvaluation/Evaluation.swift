/// MTEB 1.1.1-compatible evaluation. Every task needs only a function from texts to embeddings.
public typealias EmbedFunction = ([String]) throws -> [[Float]]

/// Embeds each distinct text once per run and serves repeats from memory, as mteb's tasks
/// encode unique sentences once. Reports progress through an optional callback.
public final class EmbeddingCache {
    private let embed: EmbedFunction
    private var table: [String: [Float]] = [:]
    /// Texts sent to `embed` per call (progress granularity); the engine batches inside.
    public var chunkSize: Int
    /// Called after each chunk with (texts embedded so far, texts to embed in this request).
    public var progress: ((Int, Int) -> Void)?
    public private(set) var dimension: Int?

    public init(chunkSize: Int = 1024, progress: ((Int, Int) -> Void)? = nil, embed: @escaping EmbedFunction) {
        self.embed = embed
        self.chunkSize = max(1, chunkSize)
        self.progress = progress
    }

    /// Number of distinct texts embedded so far.
    public var count: Int { table.count }

    /// Embeddings of `texts`, in order. Texts not seen before are embedded in chunks.
    public func embeddings(_ texts: [String]) throws -> [[Float]] {
        var missing: [String] = []
        var seen = Set<String>()
        for t in texts where table[t] == nil && !seen.contains(t) {
            seen.insert(t)
            missing.append(t)
        }
        var done = 0
        while done < missing.count {
            let chunk = Array(missing[done..<min(done + chunkSize, missing.count)])
            let vectors = try embed(chunk)
            guard vectors.count == chunk.count else {
                throw EvaluationError.embeddingCountMismatch(expected: chunk.count, got: vectors.count)
            }
            for (t, v) in zip(chunk, vectors) {
                if let d = dimension, d != v.count {
                    throw EvaluationError.dimensionMismatch(expected: d, got: v.count)
                }
                dimension = v.count
                table[t] = v
            }
            done += chunk.count
            progress?(done, missing.count)
        }
        return texts.map { table[$0]! }
    }
}
