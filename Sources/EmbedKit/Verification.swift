import Foundation

/// Reference outputs for a model folder, in the format of the test fixtures' `golden.json` (written by
/// `scripts/make_reference.py` with sentence-transformers): texts with their token ids and sentence
/// vectors, optionally vectors at a short max length and per-token rows.
public struct ReferenceOutputs: Sendable, Codable {
    public struct Case: Sendable, Codable {
        public var text: String
        public var input_ids: [Int]?
        public var embedding: [Float]
    }
    public struct TokenCase: Sendable, Codable {
        public var text: String
        public var rows: [[Float]]
    }
    public var max_seq_length: Int?
    public var dimension: Int?
    public var normalize: Bool?
    public var pooling: String?
    public var cases: [Case]
    /// Cases encoded at `short_max_seq_length` tokens (16 when absent: the fixtures' convention).
    public var short_max_len: [Case]?
    public var short_max_seq_length: Int?
    public var token_embeddings: [TokenCase]?

    public static func load(_ url: URL) throws -> ReferenceOutputs {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EmbedKitError.invalidOption("cannot read the reference file \(url.path): \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(ReferenceOutputs.self, from: data) } catch {
            throw EmbedKitError.invalidOption("\(url.path) is not a reference file (golden.json format: {\"cases\": [{\"text\", \"input_ids\", \"embedding\"}], ...}): \(error)")
        }
    }
}

/// What `EmbeddingModel.verify` found: passed, or every difference from the reference.
public struct VerificationReport: Sendable, Codable {
    public struct TokenMismatch: Sendable, Codable {
        public var text: String
        public var expected: [Int]
        public var got: [Int]
        /// First position where the ids differ (the shorter length when one is a prefix of the other).
        public var position: Int
    }
    public var passed: Bool
    public var tolerance: Float
    public var minimumCosine: Double?
    public var vectorsChecked: Int
    public var tokenizationsChecked: Int
    public var worstAbsDiff: Float
    public var worstCosine: Double
    /// The text whose vector differs most.
    public var worstText: String?
    public var tokenMismatches: [TokenMismatch]
    /// Model settings that differ from the reference's (dimension, max length, normalization, pooling).
    public var configMismatches: [String]
    /// One line per reason the verification failed.
    public var failures: [String]

    /// A few lines for a terminal or a log.
    public var summary: String {
        var lines = [passed ? "verify: PASSED" : "verify: FAILED",
                     "  vectors checked \(vectorsChecked), worst |Δ| \(worstAbsDiff) (tolerance \(minimumCosine == nil ? "\(tolerance)" : "not used")), worst cosine \(String(format: "%.8f", worstCosine))" + (minimumCosine.map { " (minimum \($0))" } ?? "")
                         + (worstText.map { ", worst text \"\($0.prefix(40))\"" } ?? ""),
                     "  tokenizations checked \(tokenizationsChecked), differing \(tokenMismatches.count)"]
        for m in tokenMismatches.prefix(5) {
            lines.append("    \"\(m.text.prefix(40))\": at position \(m.position) expected \(Array(m.expected.dropFirst(m.position).prefix(5))) got \(Array(m.got.dropFirst(m.position).prefix(5)))")
        }
        lines += failures.map { "  - " + $0 }
        return lines.joined(separator: "\n")
    }
}

extension EmbeddingModel {
    /// How `verify` judges this model's vectors by default: |Δ| at fp32 (nil), else a minimum cosine
    /// that leaves room for the precision's measured cost (docs/precision.md: worst cosine to the
    /// goldens 0.99997 at bf16, 0.977 at int8 on the real all-MiniLM-L6-v2: its whitespace-only text).
    public var defaultVerificationCosine: Double? {
        switch info.precision {
        case "bf16": return 0.999
        case "int8": return 0.97
        default: return nil
        }
    }

    /// Checks this model against reference outputs: token ids identical, every vector within
    /// `tolerance` (max |Δ| per value), and the model's dimension, max length, normalization and
    /// pooling as the reference states them. Catches a folder that drifted from what it was checked
    /// with (a stale weight file, a changed vocabulary, an edited pooling config). With
    /// `minimumCosine`, vectors are judged by their cosine to the reference instead of by |Δ| (for a
    /// model loaded at reduced precision, whose values move by ~1e-2 but whose directions do not).
    public func verify(against reference: ReferenceOutputs, tolerance: Float = 1e-4,
                       minimumCosine: Double? = nil) throws -> VerificationReport {
        var report = VerificationReport(passed: false, tolerance: tolerance, minimumCosine: minimumCosine, vectorsChecked: 0, tokenizationsChecked: 0,
                                        worstAbsDiff: 0, worstCosine: 1, worstText: nil, tokenMismatches: [],
                                        configMismatches: [], failures: [])
        func config(_ what: String, _ expected: String?, _ got: String) {
            if let expected, expected != got { report.configMismatches.append("\(what): reference \(expected), model \(got)") }
        }
        config("dimension", reference.dimension.map(String.init), String(info.dimension))
        config("max_seq_length", reference.max_seq_length.map(String.init), String(info.maxSequenceLength))
        config("normalize", reference.normalize.map { String($0) }, String(info.normalize))
        config("pooling", reference.pooling, info.pooling)

        var worstDiffText: String?
        func compare(_ cases: [ReferenceOutputs.Case], maxLength: Int?) throws {
            guard !cases.isEmpty else { return }
            let texts = cases.map(\.text)
            let encodings = try tokenize(texts, maxLength: maxLength)
            for (c, e) in zip(cases, encodings) {
                guard let expected = c.input_ids else { continue }
                report.tokenizationsChecked += 1
                if expected != e.ids {
                    let position = zip(expected, e.ids).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expected.count, e.ids.count)
                    report.tokenMismatches.append(.init(text: c.text, expected: expected, got: e.ids, position: position))
                }
            }
            let vectors = try encode(texts, options: EncodeOptions(maxLength: maxLength))
            for (c, v) in zip(cases, vectors) {
                report.vectorsChecked += 1
                guard v.count == c.embedding.count else {
                    report.failures.append("\"\(c.text.prefix(40))\": \(v.count) values, reference \(c.embedding.count)")
                    continue
                }
                let diff = zip(v, c.embedding).map { abs($0 - $1) }.max() ?? 0
                if !(diff <= report.worstAbsDiff) { report.worstAbsDiff = diff.isNaN ? .infinity : diff; worstDiffText = c.text }
                report.worstCosine = min(report.worstCosine, Self.cosine(v, c.embedding))
            }
        }
        try compare(reference.cases, maxLength: nil)
        try compare(reference.short_max_len ?? [], maxLength: reference.short_max_seq_length ?? 16)
        for c in reference.token_embeddings ?? [] {
            let rows = try encodeTokenEmbeddings([c.text])[0]
            report.vectorsChecked += 1
            guard rows.count == c.rows.count else {
                report.failures.append("\"\(c.text.prefix(40))\": \(rows.count) token rows, reference \(c.rows.count)")
                continue
            }
            let diff = zip(rows, c.rows).map { r, e in zip(r, e).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
            if !(diff <= report.worstAbsDiff) { report.worstAbsDiff = diff.isNaN ? .infinity : diff; worstDiffText = c.text }
            for (r, e) in zip(rows, c.rows) { report.worstCosine = min(report.worstCosine, Self.cosine(r, e)) }
        }
        report.worstText = worstDiffText
        if report.vectorsChecked == 0 { report.failures.append("the reference holds no vectors to check") }
        if !report.tokenMismatches.isEmpty {
            report.failures.append("\(report.tokenMismatches.count) of \(report.tokenizationsChecked) texts tokenize differently (tokenizer files changed?)")
        }
        if let minimumCosine {
            if !(report.worstCosine >= minimumCosine) {
                report.failures.append("a vector's cosine to the reference is \(report.worstCosine), below \(minimumCosine) (weights or pipeline changed?)")
            }
        } else if !(report.worstAbsDiff <= tolerance) {
            report.failures.append("vectors differ by up to \(report.worstAbsDiff), above the tolerance \(tolerance) (weights or pipeline changed?)")
        }
        report.failures += report.configMismatches
        report.passed = report.failures.isEmpty
        return report
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i]); na += Double(a[i]) * Double(a[i]); nb += Double(b[i]) * Double(b[i])
        }
        let c = na == 0 || nb == 0 ? (na == nb ? 1 : 0) : dot / (na * nb).squareRoot()
        return c.isNaN ? -1 : c   // a NaN value fails any minimum
    }
}
