import EmbedKit
import Foundation
import Testing

/// `EmbeddingModel.verify`: passes on every fixture against its golden.json, and fails with a report
/// that names the cause on a folder with one altered weight, one altered vocabulary line, or a
/// changed pooling config.
@Suite struct VerificationTests {
    /// A writable copy of a fixture folder.
    static func copy(_ name: String) throws -> URL {
        let source = try #require(Fixtures.folder(name))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: dir)
        return dir
    }

    static func reference(_ name: String) throws -> ReferenceOutputs {
        try ReferenceOutputs.load(try #require(Fixtures.folder(name)).appendingPathComponent("golden.json"))
    }

    @Test(arguments: Fixtures.all)
    func passesOnEveryFixture(_ name: String) throws {
        guard let folder = Fixtures.folder(name) else {
            #expect(name == "all-MiniLM-L6-v2", "tiny fixture \(name) missing")
            return
        }
        let report = try EmbeddingModel.load(folder: folder, threads: 2).verify(against: try Self.reference(name))
        #expect(report.passed, "\(name):\n\(report.summary)")
        #expect(report.vectorsChecked >= 20 && report.tokenizationsChecked >= 20)
        #expect(report.worstAbsDiff <= 1e-4 && report.worstCosine > 0.99999)
    }

    @Test func failsOnOneAlteredWeight() throws {
        let dir = try Self.copy("jina-v2-tiny-en")
        defer { try? FileManager.default.removeItem(at: dir) }
        // One fp32 value of the first attention output projection, found through the safetensors header.
        let url = dir.appendingPathComponent("model.safetensors")
        var data = try Data(contentsOf: url)
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8 ..< 8 + headerLength)) as? [String: Any])
        let key = try #require(header.keys.first { $0.hasSuffix("encoder.layer.0.attention.output.dense.weight") })
        let entry = try #require(header[key] as? [String: Any])
        #expect(entry["dtype"] as? String == "F32")
        let offsets = try #require(entry["data_offsets"] as? [Int])
        let at = 8 + headerLength + offsets[0] + 4 * 5
        var value = data.subdata(in: at ..< at + 4).withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
        value += 0.5
        withUnsafeBytes(of: value) { data.replaceSubrange(at ..< at + 4, with: $0) }
        try data.write(to: url)

        let report = try EmbeddingModel.load(folder: dir, threads: 2).verify(against: try Self.reference("jina-v2-tiny-en"))
        #expect(!report.passed)
        #expect(report.tokenMismatches.isEmpty, "the tokenizer did not change")
        #expect(report.worstAbsDiff > 1e-3)
        #expect(report.failures.contains { $0.contains("above the tolerance") }, "\(report.summary)")
    }

    @Test func failsOnOneAlteredVocabularyLine() throws {
        let dir = try Self.copy("zpoint-tiny")   // its tokenizer is vocab.txt (BertTokenizer)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("vocab.txt")
        var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
        #expect(lines[1921] == "天", "id 1921 is 天 in the Chinese BERT vocabulary")
        lines[1921] = "天々"
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)

        let report = try EmbeddingModel.load(folder: dir, threads: 2).verify(against: try Self.reference("zpoint-tiny"))
        #expect(!report.passed)
        let first = try #require(report.tokenMismatches.first { $0.text.hasPrefix("今天天气") })
        #expect(first.position == 2 && first.expected[2] == 1921)
        #expect(report.failures.contains { $0.contains("tokenize differently") }, "\(report.summary)")
    }

    @Test func failsOnAChangedPoolingConfig() throws {
        let dir = try Self.copy("dmeta-tiny")   // CLS pooling
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("1_Pooling/config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        #expect(config["pooling_mode_cls_token"] as? Bool == true)
        config["pooling_mode_cls_token"] = false
        config["pooling_mode_mean_tokens"] = true
        try JSONSerialization.data(withJSONObject: config).write(to: url)

        let report = try EmbeddingModel.load(folder: dir, threads: 2).verify(against: try Self.reference("dmeta-tiny"))
        #expect(!report.passed)
        #expect(report.configMismatches.contains { $0.hasPrefix("pooling: reference cls, model mean") }, "\(report.summary)")
        #expect(report.worstAbsDiff > 1e-3)
    }

    @Test func malformedReferenceIsAClearError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ref-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("{\"vectors\": []}".utf8).write(to: file)
        #expect(throws: EmbedKitError.self) { try ReferenceOutputs.load(file) }
    }
}
