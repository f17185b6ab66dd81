import Foundation
import EmbedKitTestFixtures
import Testing

/// `embedkit verify` exit codes and report, `serve --verify` refusing a model that differs from its
/// reference, and `--precision` on the command line.
@Suite(.enabled(if: CLI.binary != nil, "the embedkit executable is not built (swift build --product embedkit)"))
struct VerifyCLITests {
    static let folder = FixtureLocator.model("dmeta-tiny")!

    /// dmeta-tiny's golden.json with one vector value moved by 0.01.
    static func alteredReference(in dir: URL) throws -> String {
        var golden = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("golden.json"))) as? [String: Any])
        var cases = try #require(golden["cases"] as? [[String: Any]])
        var embedding = try #require(cases[0]["embedding"] as? [Double])
        embedding[3] += 0.01
        cases[0]["embedding"] = embedding
        golden["cases"] = cases
        let url = dir.appendingPathComponent("altered.json")
        try JSONSerialization.data(withJSONObject: golden).write(to: url)
        return url.path
    }

    @Test func verifyPassesAndFailsWithAReport() async throws {
        let ok = try await CLI.run(["verify", "--model", Self.folder.path, "--threads", "2"], environment: [:])
        #expect(ok.status == 0, "\(ok.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
        #expect(report["passed"] as? Bool == true)
        #expect((report["worstAbsDiff"] as? Double ?? 1) <= 1e-4)
        #expect(ok.stderr.contains("verify: PASSED"))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verify-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = try await CLI.run(["verify", "--model", Self.folder.path, "--reference", try Self.alteredReference(in: dir)], environment: [:])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("verify: FAILED") && bad.stderr.contains("above the tolerance"), "\(bad.stderr)")

        let missing = try await CLI.run(["verify", "--model", Self.folder.path, "--reference", dir.appendingPathComponent("none.json").path], environment: [:])
        #expect(missing.status != 0 && missing.stderr.contains("cannot read the reference file"), "\(missing.stderr)")
    }

    @Test func serveRefusesToStartOnAFailedVerification() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verify-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try await CLI.run(["serve", "--model", Self.folder.path, "--port", "0", "--verify", try Self.alteredReference(in: dir)],
                                       environment: [:])
        #expect(result.status != 0, "serve must exit when verification fails")
        #expect(result.stderr.contains("does not match its reference"), "\(result.stderr)")
    }

    @Test func precisionOptionAndEnvironment() async throws {
        let info = try await CLI.run(["info", "--model", Self.folder.path, "--precision", "auto"], environment: [:])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("\"precision\""))
        let bad = try await CLI.run(["info", "--model", Self.folder.path], environment: ["EMBEDKIT_PRECISION": "int4"])
        #expect(bad.status != 0 && bad.stderr.contains("unknown precision 'int4'"), "\(bad.stderr)")
    }
}
