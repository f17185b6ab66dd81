import EmbedKit
import EmbedKitServer
import Foundation
import Testing

/// A real backend whose passes are declared to cost `bytesPerToken` each, so a memory budget's
/// arithmetic can be checked at sizes this process never allocates.
final class CostlyBackend: EmbeddingBackend, @unchecked Sendable {
    let inner: any EmbeddingBackend
    let bytesPerToken: Int
    init(_ inner: any EmbeddingBackend, bytesPerToken: Int) { self.inner = inner; self.bytesPerToken = bytesPerToken }
    var info: ModelInfo { inner.info }
    var textPreparation: TextPreparation { inner.textPreparation }
    func forward(_ inputs: [PreparedInput]) throws -> [[Float]] { try inner.forward(inputs) }
    func activationBytes(tokens: Int, longest: Int) -> Int { tokens * bytesPerToken }
}

@Suite struct MemoryBudgetTests {
    static let mib = 1 << 20

    @Test func sizesParseAsUsersWriteThem() {
        #expect(ByteSize.parse("2GB") == 2_000_000_000)
        #expect(ByteSize.parse("1.5GiB") == 3 << 29)
        #expect(ByteSize.parse("800Mi") == 800 << 20)
        #expect(ByteSize.parse("512M") == 512 << 20)
        #expect(ByteSize.parse("123456") == 123_456)
        #expect(ByteSize.parse("1 kb") == 1000)
        #expect(ByteSize.parse("lots") == nil)
        #expect(ByteSize.parse("2 parsecs") == nil)
        #expect(ByteSize.parse("-1GB") == nil)
    }

    @Test func planSplitsTheBudgetAndLowersBatchTokens() async throws {
        let backend = CostlyBackend(try await Fixtures.dmeta(), bytesPerToken: Self.mib)
        // 1000 MiB: 200 for the model, 50 slack, 750 left: passes get 562 MiB at most.
        let plan = try MemoryBudget.plan(limit: 1000 * Self.mib, baseline: 200 * Self.mib, backend: backend,
                                         maxBatchTokens: 100_000, maxInputTokens: 512)
        #expect(plan.slack == 50 * Self.mib)
        #expect(plan.batchTokens == 562, "--max-batch-tokens lowered to what fits three quarters of the rest")
        #expect(plan.inputTokens == 512)
        #expect(plan.passBytes == 562 * Self.mib)
        #expect(plan.requestBytes == 750 * Self.mib - plan.passBytes)
        #expect(plan.baseline + plan.slack + plan.passBytes + plan.requestBytes == plan.limit)

        // A small --max-batch-tokens leaves the rest to requests; a single input may still use what fits.
        let small = try MemoryBudget.plan(limit: 1000 * Self.mib, baseline: 200 * Self.mib, backend: backend,
                                          maxBatchTokens: 64, maxInputTokens: 512)
        #expect(small.batchTokens == 64 && small.inputTokens == 512 && small.passBytes == 512 * Self.mib)

        // Inputs longer than what fits get 413 rather than an allocation past the budget.
        let tight = try MemoryBudget.plan(limit: 600 * Self.mib, baseline: 200 * Self.mib, backend: backend,
                                          maxBatchTokens: 16_384, maxInputTokens: 512)
        #expect(tight.inputTokens == 277 && tight.batchTokens == 277)

        #expect(throws: MemoryBudgetError.self) {
            try MemoryBudget.plan(limit: 210 * Self.mib, baseline: 200 * Self.mib, backend: backend, maxBatchTokens: 16_384, maxInputTokens: 512)
        }
        do {
            _ = try MemoryBudget.plan(limit: 100 * Self.mib, baseline: 200 * Self.mib, backend: backend, maxBatchTokens: 1, maxInputTokens: 1)
            Issue.record("a limit below the model's own memory must be refused")
        } catch let e as MemoryBudgetError {
            #expect(e.description.contains("already use 200 MiB"), "\(e)")
        }

        #expect(MemoryBudget.admittedConcurrency(512, limit: 1 << 30, maxRequestBytes: 2 << 20) == 64)
        #expect(MemoryBudget.admittedConcurrency(512, limit: nil, maxRequestBytes: 2 << 20) == 512)
        #expect(MemoryBudget.admittedConcurrency(512, limit: 1 << 20, maxRequestBytes: 2 << 20) == 1)
    }

    @Test func realModelEstimateCoversWhatAPassAllocates() async throws {
        // jina-v2-tiny-en, 8 inputs of 300 tokens: the workspace alone is 4·T·(7H + 3I) bytes.
        let model = try await EmbeddingModel.load(Fixtures.path("jina-v2-tiny-en"), threads: 1)
        let h = model.info.hiddenSize
        let estimate = model.activationBytes(tokens: 2400, longest: 300)
        #expect(estimate >= 4 * 2400 * 7 * h, "at least the layer workspace")
        #expect(model.activationBytes(tokens: 4800, longest: 300) > estimate, "grows with tokens")
        #expect(model.activationBytes(tokens: 2400, longest: 2400) > estimate, "grows with the longest input")
    }

    /// The server with a budget its passes cannot exceed: /info reports the lowered batch, an input too
    /// long for any pass gets 413 naming --max-memory, normal requests still succeed, /metrics shows it.
    @Test func serverAdmitsOnlyWhatFits() async throws {
        let backend = CostlyBackend(try await Fixtures.dmeta(), bytesPerToken: 64 * Self.mib)
        // 40 GiB over what this process holds now: passes of about 450 tokens fit (never allocated:
        // the declared cost is fictional, the real passes are tiny).
        let limit = (ProcessMemory.resident ?? 0) + (40 << 30)
        let h = try await ServerHarness.start {
            $0.maxMemory = limit
            $0.maxBatchTokens = 100_000
        } load: { backend }
        defer { Task { try? await h.shutdown() } }
        try await h.waitUntilHealthy()

        let info = try #require(try await h.get("/info").json() as? [String: Any])
        let batch = try #require(info["max_batch_tokens"] as? Int)
        #expect((300...600).contains(batch), "max_batch_tokens \(batch)")
        #expect(info["max_memory"] as? Int == limit)

        let long = Array(repeating: "word", count: 505).joined(separator: " ")
        let refused = try await h.post("/embed", json: ["inputs": [long], "truncate": true])
        #expect(refused.status == 413, "\(refused.text)")
        #expect(refused.text.contains("--max-memory"), "\(refused.text)")

        let ok = try await h.post("/embed", json: ["inputs": ["a short sentence", "another one"]])
        #expect(ok.status == 200, "\(ok.text)")
        let metrics = try await h.get("/metrics").text
        #expect(metrics.contains("embedkit_memory_limit_bytes "), "\(metrics.prefix(2000))")
        #expect(metrics.contains("embedkit_peak_resident_bytes"))
    }
}
