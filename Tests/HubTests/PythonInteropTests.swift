import Foundation
import EmbedKitHub
import Testing

/// Python's huggingface_hub, when installed, as the reference for the cache layout.
enum PythonHub {
    /// The real interpreter (sys.executable) of the first python3 on PATH that imports huggingface_hub.
    static let python: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("python3")
            guard FileManager.default.isExecutableFile(atPath: candidate.path) else { continue }
            let process = Process()
            let pipe = Pipe()
            process.executableURL = candidate
            process.arguments = ["-c", "import huggingface_hub, sys; print(sys.executable)"]
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let executable = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if process.terminationStatus == 0, !executable.isEmpty { return URL(fileURLWithPath: executable) }
        }
        return nil
    }()
    static var available: Bool { python != nil }

    static func run(_ script: String, _ f: HubFixture, offline: Bool) async throws -> CLI.Result {
        try await CLI.runProcess(try #require(python), ["-c", script], environment: [
            "HF_ENDPOINT": f.hub.endpoint, "HF_HUB_CACHE": f.cache.path, "HF_HUB_OFFLINE": offline ? "1" : "0",
            "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
            "HF_HUB_DISABLE_XET": "1", "NO_PROXY": "*",
        ])
    }
}

@Suite(.enabled(if: PythonHub.available, "python3 with huggingface_hub is not installed"))
struct PythonInteropTests {
    /// huggingface_hub, offline, finds what EmbedKit downloaded: same snapshot folder, same bytes.
    @Test func pythonReadsOurCache() async throws {
        try await withHubFixture { f in
            let folder = try await f.client().snapshot(HubFixture.dmetaID)
            let script = """
            import os
            from huggingface_hub import snapshot_download, hf_hub_download
            print(snapshot_download("\(HubFixture.dmetaID)"))
            for name in \(dmetaNeeded):
                path = hf_hub_download("\(HubFixture.dmetaID)", name)
                print(name, os.path.getsize(path))
            """
            let result = try await PythonHub.run(script, f, offline: true)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == folder.path)
            let fixture = FakeHub.fixtures.appendingPathComponent("dmeta-tiny")
            for file in dmetaNeeded {
                let size = try bytes(fixture.appendingPathComponent(file)).count
                #expect(lines.contains("\(file) \(size)"), "\(file): \(result.stdout)")
            }
        }
    }

    /// EmbedKit reuses what huggingface_hub downloaded: no file requests online, and it works offline.
    @Test func weReusePythonsCache() async throws {
        try await withHubFixture { f in
            let script = """
            from huggingface_hub import hf_hub_download
            for name in \(dmetaNeeded):
                hf_hub_download("\(HubFixture.dmetaID)", name)
            """
            let result = try await PythonHub.run(script, f, offline: false)
            #expect(result.status == 0, "\(result.stderr)")
            let pythonRequests = f.hub.fileRequests.count
            #expect(pythonRequests > 0)

            let folder = try await f.client().snapshot(HubFixture.dmetaID)
            #expect(f.hub.fileRequests.count == pythonRequests)
            #expect(try await f.client(offline: true).snapshot(HubFixture.dmetaID) == folder)
            let fixture = FakeHub.fixtures.appendingPathComponent("dmeta-tiny")
            for file in dmetaNeeded {
                #expect(try bytes(folder.appendingPathComponent(file)) == bytes(fixture.appendingPathComponent(file)), "\(file)")
                // Python wrote the same relative symlinks and sha256-named LFS blobs we would.
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: folder.appendingPathComponent(file).path)
                #expect(target.hasPrefix(String(repeating: "../", count: file.split(separator: "/").count + 1) + "blobs/"))
            }
            let weights = try bytes(fixture.appendingPathComponent("pytorch_model.bin"))
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder.appendingPathComponent("pytorch_model.bin").path)
                == "../../blobs/\(SHA256.hex(weights))")
        }
    }
}
