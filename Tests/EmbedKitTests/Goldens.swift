import Foundation
import EmbedKitTestFixtures

/// golden.json of a fixture folder (see ../shared/fixtures/README.md).
struct Golden: Decodable {
    struct Case: Decodable {
        let text: String
        let input_ids: [Int]?
        let embedding: [Float]
    }
    struct TokenCase: Decodable {
        let text: String
        let rows: [[Float]]
    }
    /// sentence-transformers' encode(text, prompt_name:).
    struct PromptCase: Decodable {
        let prompt_name: String
        let text: String
        let embedding: [Float]
    }
    struct Matryoshka: Decodable {
        let dimensions: Int
        let normalized: Bool
        let cases: [Case]
    }
    let max_seq_length: Int
    let dimension: Int
    let normalize: Bool
    let cases: [Case]
    let short_max_len: [Case]
    let token_embeddings: [TokenCase]
    let matryoshka: [Matryoshka]?
    let prompts: [PromptCase]?
}

enum Fixtures {
    static let tiny = ["jina-v2-tiny-en", "jina-v2-tiny-zh", "jina-v2-tiny-de", "dmeta-tiny", "zpoint-tiny", "xlmr-tiny", "mpnet-tiny", "nomic-tiny", "modernbert-tiny", "qwen3-tiny"]
    /// The tiny models, and the real MiniLM when ../shared has it.
    static let all = tiny + ["all-MiniLM-L6-v2"]
    static let hasMiniLM = FixtureLocator.miniLM != nil

    /// A fixture folder: the project's own tiny models, or the real MiniLM from ../shared.
    static func folder(_ name: String) -> URL? { FixtureLocator.model(name) }

    static func golden(_ folder: URL) throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent("golden.json")))
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
