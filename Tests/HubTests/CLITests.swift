import Foundation
import EmbedKitHub
import Testing

/// The built `embedkit` executable next to the test bundle (swift test builds it), if any.
enum CLI {
    static let binary: URL? = {
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        let repo = FakeHub.fixtures.deletingLastPathComponent().deletingLastPathComponent()
        candidates += ["debug", "release"].map { repo.appendingPathComponent(".build/\($0)") }
        return candidates.map { $0.appendingPathComponent("embedkit") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// Runs embedkit with a clean environment (no real HF_* settings leak in).
    static func run(_ arguments: [String], environment: [String: String]) async throws -> Result {
        try await runProcess(try #require(binary), arguments, environment: environment)
    }

    static func runProcess(_ binary: URL, _ arguments: [String], environment: [String: String]) async throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": dir.path].merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        return Result(status: status, stdout: try String(contentsOf: out, encoding: .utf8),
                      stderr: try String(contentsOf: err, encoding: .utf8))
    }
}

@Suite(.enabled(if: CLI.binary != nil, "the embedkit executable is not built (swift build --product embedkit)"))
struct CLITests {
    func environment(_ f: HubFixture, _ extra: [String: String] = [:]) -> [String: String] {
        ["HF_ENDPOINT": f.hub.endpoint, "HF_HUB_CACHE": f.cache.path].merging(extra) { $1 }
    }

    @Test func twoDownloadProcessesShareTheCacheSafely() async throws {
        try await withHubFixture { f in
            async let a = CLI.run(["download", HubFixture.dmetaID], environment: environment(f))
            async let b = CLI.run(["download", HubFixture.dmetaID], environment: environment(f))
            let (first, second) = try await (a, b)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(second.status == 0, "\(second.stderr)")
            let path = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(path == second.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(path.hasSuffix("models--someorg--dmeta-tiny/snapshots/\(HubFixture.dmetaCommit)"))
            let fixture = FakeHub.fixtures.appendingPathComponent("dmeta-tiny")
            for file in dmetaNeeded {
                #expect(try bytes(URL(fileURLWithPath: path).appendingPathComponent(file)) == bytes(fixture.appendingPathComponent(file)), "\(file)")
            }
            #expect(f.hub.requests.filter { $0.path.hasPrefix("/lfs/") }.count == 1)
            let blobs = try FileManager.default.contentsOfDirectory(atPath: f.repoFolder(HubFixture.dmetaID).appendingPathComponent("blobs").path)
            #expect(blobs.count == dmetaNeeded.count && !blobs.contains { $0.hasSuffix(".incomplete") })

            let models = try await CLI.run(["models"], environment: environment(f))
            #expect(models.status == 0)
            #expect(models.stdout.contains(f.cache.path))
            let total = try dmetaNeeded.reduce(0) { $0 + (try bytes(fixture.appendingPathComponent($1))).count }
            let line = models.stdout.split(separator: "\n").first { $0.hasPrefix(HubFixture.dmetaID) }
            #expect(line?.contains(ProgressBar.format(Int64(total))) == true, "\(models.stdout)")
            #expect(line?.contains("main=\(HubFixture.dmetaCommit.prefix(10))") == true, "\(models.stdout)")
        }
    }

    @Test func downloadErrorsExitNonZeroWithOneClearMessage() async throws {
        try await withHubFixture { f in
            let missing = try await CLI.run(["download", "someorg/nope"], environment: environment(f))
            #expect(missing.status != 0)
            #expect(missing.stderr.contains("someorg/nope was not found"), "\(missing.stderr)")
            let offline = try await CLI.run(["download", "someorg/nope"], environment: environment(f, ["HF_HUB_OFFLINE": "1"]))
            #expect(offline.status != 0)
            #expect(offline.stderr.contains("HF_HUB_OFFLINE"), "\(offline.stderr)")
            let before = f.hub.requests.count
            let invalid = try await CLI.run(["download", "some/../../x"], environment: environment(f))
            #expect(invalid.status != 0)
            #expect(invalid.stderr.contains("not a valid Hugging Face model id"), "\(invalid.stderr)")
            #expect(f.hub.requests.count == before)
        }
    }

    @Test(.enabled(if: Engine.loadsDmetaFixture, "the engine cannot load Tests/Fixtures/dmeta-tiny yet"))
    func embedByHubIDGivesTheGoldenVectorsOnlineAndOffline() async throws {
        let cases = try DmetaGolden.load()
        try await withHubFixture { f in
            let input = f.cache.deletingLastPathComponent().appendingPathComponent("input-\(UUID().uuidString).jsonl")
            defer { try? FileManager.default.removeItem(at: input) }
            let lines = try cases.map { String(decoding: try JSONEncoder().encode($0.text), as: UTF8.self) }
            try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)

            func check(_ result: CLI.Result) throws {
                #expect(result.status == 0, "\(result.stderr)")
                let vectors = try result.stdout.split(separator: "\n").map {
                    try JSONDecoder().decode([Float].self, from: Data($0.utf8))
                }
                try #require(vectors.count == cases.count)
                for (vector, golden) in zip(vectors, cases) {
                    #expect(maxAbsDifference(vector, golden.embedding) < 1e-4, "\(golden.text)")
                }
            }
            let arguments = ["embed", "--model", HubFixture.dmetaID, "--input", input.path, "--threads", "1"]
            try check(try await CLI.run(arguments, environment: environment(f)))
            await f.hub.stop()
            try check(try await CLI.run(arguments, environment: environment(f, ["HF_HUB_OFFLINE": "1"])))
        }
    }
}
