/// The documented fields of each request body: the OpenAPI document's request schemas
/// (APIDocument.swift), held to the decoders' fields by `APIDocument.problems`.

/// Schemas several bodies share.
private enum Shared {
    static let overflow = Schema.string(description: "Past the max length: cut (truncate), refuse (error), or embed chunks and average them (chunk-mean)",
                                             values: ["truncate", "error", "chunk-mean"])
    static let format = Schema.string(description: "float (default), base64 (little-endian float32), or quantized: int8, uint8, binary, ubinary",
                                       values: ["float", "base64", "int8", "uint8", "binary", "ubinary"])
    static let ranges = Schema.array(.array(.number()), description: "int8/uint8 calibration: [[minimum per dimension], [maximum per dimension]]")
    static let promptName = Schema.string(description: "A prompt of the model's config_sentence_transformers.json")
    static let direction = Schema.string(description: "Which end to cut (any case)", values: ["Right", "Left", "right", "left"])
}

extension OpenAIEmbeddingRequest {
    static let required = ["input"]
    static let properties: [(String, Schema)] = [
        ("input", .ref("Inputs")),
        ("model", .string(description: "Echoed back as the served model's name; not checked")),
        ("encoding_format", Shared.format), ("dimensions", .ref("Dimensions")),
        ("user", .string(description: "Accepted; no effect")),
        ("overflow", Shared.overflow), ("quantization_ranges", Shared.ranges),
        ("embedding_type", Shared.format.described("Jina's name of encoding_format")),
        ("encoding_type", Shared.format.described("The same as embedding_type (LlamaIndex's JinaEmbedding)")),
        ("normalized", .boolean(description: "Jina: L2-normalize (default true)")),
        ("truncate", .boolean(description: "Jina: cut inputs past the max length (true) or refuse them (false)")),
        ("late_chunking", .boolean(description: "Jina: the inputs are consecutive chunks of one document, pooled late")),
        ("task", .string(description: "Jina: a prompt name of the model; refused when the model has no such prompt")),
    ]
}

extension TEIEmbedRequest {
    static let required = ["inputs"]
    static let properties: [(String, Schema)] = [
        ("inputs", .ref("Inputs")), ("normalize", .boolean(description: "L2-normalize (default true)")),
        ("truncate", .boolean(description: "Cut inputs past the max length (default: the server's --auto-truncate)")),
        ("truncation_direction", Shared.direction), ("prompt_name", Shared.promptName), ("dimensions", .ref("Dimensions")),
        ("overflow", Shared.overflow), ("encoding_format", Shared.format), ("quantization_ranges", Shared.ranges),
    ]
}

extension EmbedAllRequest {
    static let required = ["inputs"]
    static let properties: [(String, Schema)] = [
        ("inputs", .ref("Inputs")),
        ("truncate", .boolean(description: "Cut inputs past the max length (default: the server's --auto-truncate)")),
        ("truncation_direction", Shared.direction), ("prompt_name", Shared.promptName),
    ]
}

extension TEITokenizeRequest {
    static let required = ["inputs"]
    static let properties: [(String, Schema)] = [
        ("inputs", .ref("Inputs")), ("add_special_tokens", .boolean(description: "Include special tokens (default true)")),
        ("prompt_name", Shared.promptName),
    ]
}

extension ChunkRequest {
    static let required = ["inputs", "chunk_tokens"]
    static let properties: [(String, Schema)] = [
        ("inputs", .anyOf([.string(), .array(.string())])),
        ("chunk_tokens", .integer(description: "Tokens per chunk at most", minimum: 1)),
        ("overlap", .integer(description: "Tokens shared by consecutive chunks", minimum: 0)),
        ("boundaries", .string(values: ["tokens", "sentences"])),
        ("pooling", .string(description: "late: chunks pooled from the whole text's token states; independent: each chunk embedded alone",
                            values: ["late", "independent"])),
        ("window_overlap", .integer(description: "Late pooling past the max length: tokens shared by consecutive windows", minimum: 0)),
        ("normalize", .boolean()), ("dimensions", .integer(minimum: 1)), ("prompt_name", Shared.promptName),
    ]
}

extension SimilarityRequest {
    static let required = ["inputs"]
    static let properties: [(String, Schema)] = [
        ("inputs", .object([("source_sentence", .string()), ("sentences", .array(.string(), minItems: 1))],
                           required: ["source_sentence", "sentences"])),
        ("parameters", .object([("truncate", .boolean()), ("truncation_direction", Shared.direction), ("prompt_name", Shared.promptName)])),
    ]
}

extension DecodeRequest {
    static let required = ["ids"]
    static let properties: [(String, Schema)] = [
        ("ids", .anyOf([.array(.integer()), .array(.array(.integer()))])),
        ("skip_special_tokens", .boolean(description: "Leave special tokens out (default true)")),
    ]
}

private extension Shared {
    static let ollamaOptions = Schema.object([("num_ctx", .integer(description: "Cut (or, with truncate false, refuse) inputs past this many tokens", minimum: 1))],
                                          closed: false, description: "Ollama's runtime options; only num_ctx changes an embedding")
    static let keepAlive = Schema.any(description: "Accepted; no effect (one model is always loaded)")
}

extension OllamaEmbedRequest {
    static let required: [String] = []
    static let properties: [(String, Schema)] = [
        ("model", .string(description: "Any name: the served model answers and names itself")),
        ("input", .anyOf([.string(), .array(.string())])),
        ("truncate", .boolean(description: "Cut inputs past the max length (default true) or refuse them")),
        ("dimensions", .integer(minimum: 1)), ("options", Shared.ollamaOptions), ("keep_alive", Shared.keepAlive),
    ]
}

extension OllamaEmbeddingsRequest {
    static let required: [String] = []
    static let properties: [(String, Schema)] = [
        ("model", .string()), ("prompt", .string()), ("options", Shared.ollamaOptions), ("keep_alive", Shared.keepAlive),
    ]
}

extension OllamaShowRequest {
    static let required: [String] = []
    static let properties: [(String, Schema)] = [("model", .string()), ("name", .string()), ("verbose", .boolean())]
}

private extension Schema {
    /// A string schema with another description.
    func described(_ d: String) -> Schema {
        if case .string(_, let values) = self { return .string(description: d, values: values) }
        return self
    }
}
