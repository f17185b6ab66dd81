import EmbedKit
import EmbedKitServer
import Foundation

/// The tiny real models of Tests/Fixtures and their sentence-transformers goldens.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    struct GoldenCase: Decodable {
        let text: String
        let input_ids: [Int]
        let embedding: [Float]
    }

    struct Golden: Decodable {
        let max_seq_length: Int
        let dimension: Int
        let cases: [GoldenCase]
    }

    static func golden(_ name: String) throws -> Golden {
        let data = try Data(contentsOf: root.appendingPathComponent(name).appendingPathComponent("golden.json"))
        return try JSONDecoder().decode(Golden.self, from: data)
    }

    /// Loads dmeta-tiny (BERT, CLS pooling, Normalize, 48 dimensions) once per process.
    static func dmeta() async throws -> EmbeddingModel {
        try await Cache.shared.model("dmeta-tiny")
    }

    actor Cache {
        static let shared = Cache()
        var models: [String: EmbeddingModel] = [:]
        func model(_ name: String) async throws -> EmbeddingModel {
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
    var vocabularySize: Int { inner.vocabularySize }
    func tokenize(_ text: String, maxLength: Int?) -> Encoding { inner.tokenize(text, maxLength: maxLength) }

    func embed(tokenIDs: [[Int]]) throws -> [[Float]] {
        condition.lock()
        waiting += 1
        condition.broadcast()
        while !open { condition.wait() }
        waiting -= 1
        condition.unlock()
        return try inner.embed(tokenIDs: tokenIDs)
    }

    func close() { condition.lock(); open = false; condition.unlock() }
    func release() { condition.lock(); open = true; condition.broadcast(); condition.unlock() }

    /// Waits until a batch is blocked in `embed`.
    func waitForBlockedBatch() async throws {
        for _ in 0..<3000 {
            condition.lock()
            let w = waiting
            condition.unlock()
            if w > 0 { return }
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
