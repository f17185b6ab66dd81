import EmbedKit
import EmbedKitServer
import Foundation
import Testing

/// Records the batches the scheduler forms, around the real model.
final class RecordingBackend: EmbeddingBackend, @unchecked Sendable {
    let inner: any EmbeddingBackend
    private let lock = NSLock()
    private var _batches: [[Int]] = []  // token counts per input, per forward pass

    init(_ inner: any EmbeddingBackend) { self.inner = inner }

    var info: ModelInfo { inner.info }
    var textPreparation: TextPreparation { inner.textPreparation }
    func activationBytes(tokens: Int, longest: Int) -> Int { inner.activationBytes(tokens: tokens, longest: longest) }
    func forward(_ inputs: [PreparedInput]) throws -> [[Float]] {
        lock.lock()
        _batches.append(inputs.map(\.ids.count))
        lock.unlock()
        Thread.sleep(forTimeInterval: 0.02)  // lets requests pile up, as a big model would
        return try inner.forward(inputs)
    }
    var batches: [[Int]] { lock.lock(); defer { lock.unlock() }; return _batches }
}

@Suite(.serialized) struct BatchingTests {
    @Test func concurrentRequestsShareBatchesAndGetTheirOwnRows() async throws {
        let golden = try Fixtures.golden("dmeta-tiny")
        let cases = golden.cases.filter { !$0.text.isEmpty && $0.input_ids.count < 100 }
        let recorder = RecordingBackend(try await Fixtures.dmeta())
        let budget = 64
        let h = try await ServerHarness.start { $0.maxBatchTokens = budget } load: { recorder }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()

        // 3 rounds of every case as its own request, all at once, mixed with 2-input requests.
        let results = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for round in 0..<3 {
                for (i, c) in cases.enumerated() {
                    group.addTask {
                        let pair = round == 2
                        let body: [String: Any] = ["inputs": pair ? [c.text, c.text] : [c.text]]
                        let r = try await h.post("/embed", json: body)
                        guard r.status == 200 else { throw ServerHarness.HarnessError.didNotStart }
                        return (i, try r.teiRows())
                    }
                }
            }
            var all: [(Int, [[Float]])] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(results.count == cases.count * 3)
        for (i, rows) in results {
            for row in rows {
                #expect(maxAbsDiff(row, cases[i].embedding) < 1e-5, "request for case \(i) got another request's row")
            }
        }
        let batches = recorder.batches
        #expect(batches.contains { $0.count > 1 }, "concurrent requests must share forward passes")
        for b in batches where b.count > 1 {
            #expect(b.reduce(0, +) <= budget, "batch \(b) over the token budget")
        }
        #expect(batches.reduce(0) { $0 + $1.count } == cases.count * 4)

        // The metrics count exactly the tokens the forward passes computed, and the passes.
        let metrics = try await h.get("/metrics").text
        let computed = batches.reduce(0) { $0 + $1.reduce(0, +) }
        #expect(Self.metric("embedkit_tokens_total", in: metrics) == Double(computed), "\(metrics.prefix(400))")
        #expect(Self.metric("embedkit_inputs_total", in: metrics) == Double(cases.count * 4))
        #expect(Self.metric("embedkit_batch_size_count", in: metrics) == Double(batches.count))
    }

    /// The value of an unlabelled Prometheus sample.
    static func metric(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// A request that breaks the engine fails alone, even when its inputs shared a forward pass with
    /// another request's: the pass runs again per request.
    @Test func oneRequestThatBreaksTheEngineFailsAlone() async throws {
        let poisoned = PoisonedBackend(GatedBackend(try await Fixtures.dmeta(), open: false), poison: 7)
        let h = try await ServerHarness.start { _ in } load: { poisoned }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()
        // Hold the worker in a first pass, so the next two requests queue up and share the next pass.
        let first = Task { try await h.post("/embed", json: ["inputs": "holding the worker"]) }
        try await poisoned.gated.waitForBlockedBatch()
        let good = Task { try await h.post("/embed", json: ["inputs": ["a good request"]]) }
        let bad = Task { try await h.post("/embed", json: ["inputs": [[101, 7, 102]]]) }
        try await Task.sleep(for: .milliseconds(300))
        poisoned.gated.release()
        #expect(try await first.value.status == 200)
        let g = try await good.value, b = try await bad.value
        #expect(g.status == 200, "\(g.text)")
        #expect(b.status == 500 && b.text.contains("poisoned input"), "\(b.text)")
        let model = try #require(try await Fixtures.dmeta() as? EmbeddingModel)
        #expect(try g.teiRows() == model.encode(["a good request"], options: EncodeOptions(normalizeEmbeddings: true)))
        #expect(poisoned.passes.contains { $0 == 2 }, "the two requests shared a pass: \(poisoned.passes)")
    }

    @Test func gracefulShutdownFinishesRequestsInFlight() async throws {
        let gated = GatedBackend(try await Fixtures.dmeta(), open: false)
        let h = try await ServerHarness.start { _ in } load: { gated }
        try await h.waitUntilHealthy()
        let inFlight = Task { try await h.post("/v1/embeddings", json: ["input": ["one", "two"]]) }
        try await gated.waitForBlockedBatch()
        let stopping = Task { try await h.shutdown() }
        try await Task.sleep(for: .milliseconds(200))
        gated.release()
        let r = try await inFlight.value
        #expect(r.status == 200, "the request in flight must complete: \(r.text)")
        #expect(((try r.json() as? [String: Any])?["data"] as? [Any])?.count == 2)
        try await stopping.value
        // The listener is gone.
        #expect(throws: (any Error).self) { _ = try RawSocket(port: h.port) }
    }
}

/// Fails every forward pass holding an input with the token id `poison`, and records pass sizes.
final class PoisonedBackend: EmbeddingBackend, @unchecked Sendable {
    let gated: GatedBackend
    let poison: Int
    private let lock = NSLock()
    private var _passes: [Int] = []

    init(_ gated: GatedBackend, poison: Int) {
        self.gated = gated
        self.poison = poison
    }

    var info: ModelInfo { gated.info }
    var textPreparation: TextPreparation { gated.textPreparation }
    func activationBytes(tokens: Int, longest: Int) -> Int { gated.activationBytes(tokens: tokens, longest: longest) }
    func forward(_ inputs: [PreparedInput]) throws -> [[Float]] {
        lock.withLock { _passes.append(inputs.count) }
        if inputs.contains(where: { $0.ids.contains(poison) }) {
            throw EmbedKitError.invalidModel(file: "test", reason: "poisoned input")
        }
        return try gated.forward(inputs)
    }
    var passes: [Int] { lock.withLock { _passes } }
}
