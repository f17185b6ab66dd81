import EmbedKit
import EmbedKitServer
import Foundation
import EmbedKitTestFixtures

/// The tiny real models of Tests/Fixtures and their sentence-transformers goldens.
enum Fixtures {
    static let root = FixtureLocator.local("")

    static func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    struct GoldenCase: Decodable {
        let text: String
        let input_ids: [Int]
        let embedding: [Float]
    }

    /// sentence-transformers' `output_value="token_embeddings"` of one text: one row per token.
    struct TokenCase: Decodable {
        let text: String
        let rows: [[Float]]
    }

    struct Golden: Decodable {
        let max_seq_length: Int
        let dimension: Int
        let cases: [GoldenCase]
        let token_embeddings: [TokenCase]?
    }

    static func golden(_ name: String) throws -> Golden {
        let data = try Data(contentsOf: root.appendingPathComponent(name).appendingPathComponent("golden.json"))
        return try JSONDecoder().decode(Golden.self, from: data)
    }

    /// Loads dmeta-tiny (BERT, CLS pooling, Normalize, 48 dimensions) once per process.
    static func dmeta() async throws -> any EmbeddingBackend {
        try await Cache.shared.model("dmeta-tiny")
    }

    actor Cache {
        static let shared = Cache()
        var models: [String: any EmbeddingBackend] = [:]
        func model(_ name: String) async throws -> any EmbeddingBackend {
            if let m = models[name] { return m }
            let m = try await EmbeddingModel.load(Fixtures.path(name), threads: 1)
            models[name] = m
            return m
        }
    }
}

/// Wraps a backend; `embed` waits while the gate is closed, so tests can hold requests in flight.
final class GatedBackend: EmbeddingBackend, @unchecked Sendable {
    let inner: any EmbeddingBackend
    private let condition = NSCondition()
    private var open = true
    private(set) var waiting = 0

    init(_ inner: any EmbeddingBackend, open: Bool = true) {
        self.inner = inner
        self.open = open
    }

    var info: ModelInfo { inner.info }
    var textPreparation: TextPreparation { inner.textPreparation }
    func activationBytes(tokens: Int, longest: Int) -> Int { inner.activationBytes(tokens: tokens, longest: longest) }

    func forward(_ inputs: [PreparedInput]) throws -> [[Float]] {
        condition.lock()
        waiting += 1
        condition.broadcast()
        while !open { condition.wait() }
        waiting -= 1
        condition.unlock()
        return try inner.forward(inputs)
    }

    func close() { condition.lock(); open = false; condition.unlock() }
    func release() { condition.lock(); open = true; condition.broadcast(); condition.unlock() }

    private var waitingCount: Int { condition.lock(); defer { condition.unlock() }; return waiting }

    /// Waits until a batch is blocked in `embed`.
    func waitForBlockedBatch() async throws {
        for _ in 0..<3000 {
            if waitingCount > 0 { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw ServerHarness.HarnessError.didNotStart
    }
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

func floats(_ any: Any?) -> [Float]? {
    (any as? [Any])?.compactMap { ($0 as? NSNumber)?.floatValue }
}

struct ReplyParseError: Error, CustomStringConvertible {
    let description: String
}

extension ServerHarness.Reply {
    /// TEI `/embed` output: `[[float]]`.
    func teiRows() throws -> [[Float]] {
        guard let rows = (try json() as? [Any])?.map({ floats($0) }), rows.allSatisfy({ $0 != nil }) else {
            throw ReplyParseError(description: "not [[float]]: \(text.prefix(200))")
        }
        return rows.map { $0! }
    }

    /// OpenAI output: `data[i].embedding` as floats (float format).
    func openAIRows() throws -> [[Float]] {
        guard let data = (try json() as? [String: Any])?["data"] as? [[String: Any]] else {
            throw ReplyParseError(description: "no data array: \(text.prefix(200))")
        }
        return try data.map {
            guard let v = floats($0["embedding"]) else { throw ReplyParseError(description: "no float embedding") }
            return v
        }
    }
}

/// Little-endian float32 values of a base64 string.
func decodeBase64Floats(_ s: String) throws -> [Float] {
    guard let data = Data(base64Encoded: s), data.count % 4 == 0 else {
        throw ReplyParseError(description: "not base64 float32: \(s.prefix(40))")
    }
    let bytes = [UInt8](data)
    var out: [Float] = []
    out.reserveCapacity(bytes.count / 4)
    for o in stride(from: 0, to: bytes.count, by: 4) {
        var bits = UInt32(bytes[o])
        bits |= UInt32(bytes[o + 1]) << 8
        bits |= UInt32(bytes[o + 2]) << 16
        bits |= UInt32(bytes[o + 3]) << 24
        out.append(Float(bitPattern: bits))
    }
    return out
}
