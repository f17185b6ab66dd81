import EmbedKit
import Foundation
import Testing
import EmbedKitTestFixtures

/// Broken model folders give one clear error naming the file, never a crash.
@Suite struct LoadingErrorTests {
    /// A writable copy of a fixture, changed by `edit`.
    static func brokenCopy(of name: String, _ edit: (URL) throws -> Void) throws -> URL {
        let source = FixtureLocator.local(name)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("embedkit-broken-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: dir)
        try edit(dir)
        return dir
    }

    static func rewriteJSON(_ url: URL, _ change: (inout [String: Any]) -> Void) throws {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        change(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
    }

    static func loadError(_ folder: URL) -> String? {
        do {
            _ = try EmbeddingModel.load(folder: folder)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func missingFolder() {
        let message = Self.loadError(URL(fileURLWithPath: "/nonexistent/model"))
        #expect(message?.contains("/nonexistent/model") == true, "\(message ?? "loaded")")
    }

    @Test func configIsNotJSON() throws {
        let dir = try Self.brokenCopy(of: "jina-v2-tiny-en") { try Data("{not json".utf8).write(to: $0.appendingPathComponent("config.json")) }
        defer { try? FileManager.default.removeItem(at: dir) }
        let message = try #require(Self.loadError(dir))
        #expect(message.contains("config.json"), "\(message)")
    }

    @Test func unsupportedArchitecture() throws {
        let dir = try Self.brokenCopy(of: "dmeta-tiny") { dir in
            try Self.rewriteJSON(dir.appendingPathComponent("config.json")) { $0["model_type"] = "gpt2"; $0["architectures"] = ["GPT2Model"] }
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let message = try #require(Self.loadError(dir))
        #expect(message.contains("config.json") && message.contains("gpt2"), "\(message)")
    }

    @Test func shapeMismatch() throws {
        let dir = try Self.brokenCopy(of: "jina-v2-tiny-en") { dir in
            try Self.rewriteJSON(dir.appendingPathComponent("config.json")) { $0["intermediate_size"] = 80 }
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let message = try #require(Self.loadError(dir))
        #expect(message.contains("model.safetensors") && message.contains("shape"), "\(message)")
    }

    @Test func unknownPooling() throws {
        let dir = try Self.brokenCopy(of: "dmeta-tiny") { dir in
            try Self.rewriteJSON(dir.appendingPathComponent("1_Pooling/config.json")) { json in
                for key in json.keys where key.hasPrefix("pooling_mode") { json[key] = false }
                json["pooling_mode_fancy_tokens"] = true
            }
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let message = try #require(Self.loadError(dir))
        #expect(message.contains("1_Pooling/config.json"), "\(message)")
    }

    @Test func truncatedWeights() throws {
        let dir = try Self.brokenCopy(of: "jina-v2-tiny-zh") { dir in
            let url = dir.appendingPathComponent("model.safetensors")
            try Data(contentsOf: url).prefix(1000).write(to: url)
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let message = try #require(Self.loadError(dir))
        #expect(message.contains("model.safetensors"), "\(message)")
    }

    @Test func denseShapeMismatch() throws {
        let dir = try Self.brokenCopy(of: "zpoint-tiny") { dir in
            try Self.rewriteJSON(dir.appendingPathComponent("2_Dense/config.json")) { $0["out_features"] = 100 }
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let message = try #require(Self.loadError(dir))
        #expect(message.contains("2_Dense"), "\(message)")
    }

    @Test func folderWithoutModulesJSONUsesMeanPooling() throws {
        let dir = try Self.brokenCopy(of: "jina-v2-tiny-en") { try FileManager.default.removeItem(at: $0.appendingPathComponent("modules.json")) }
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try EmbeddingModel.load(folder: dir)
        #expect(model.info.pooling == "mean")
        #expect(model.info.modules == ["Transformer", "Pooling"])
    }

    @Test func badOptions() throws {
        let model = try EmbeddingModel.load(folder: FixtureLocator.local("dmeta-tiny"))
        #expect(throws: EmbedKitError.self) { try model.encode(["x"], options: EncodeOptions(truncateDimension: 0)) }
        #expect(throws: EmbedKitError.self) { try model.encode(["x"], options: EncodeOptions(maxLength: 5000)) }
        #expect(throws: EmbedKitError.self) { try model.encode(["x"], options: EncodeOptions(promptName: "nope")) }
        #expect(throws: EmbedKitError.self) { try model.encode(tokenIDs: [[101, 999_999, 102]]) }
        #expect(try model.encode([]).isEmpty)
    }
}
