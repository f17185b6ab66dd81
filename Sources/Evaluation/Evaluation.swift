/// MTEB 1.1.1-compatible evaluation. Every task needs only a function from texts to embeddings.
public typealias EmbedFunction = ([String]) throws -> [[Float]]
