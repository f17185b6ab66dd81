import Foundation
import EmbedKitTestFixtures
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `embedkit embed --input corpus.jsonl --output ...`: a bulk job killed halfway and resumed writes the
/// same bytes as an uninterrupted run; memory stays flat with corpus size; shards concatenate to the
/// whole; ids survive; a resume with other settings is refused.
@Suite(.enabled(if: CLI.binary != nil, "the embedkit executable is not built (swift build --product embedkit)"))
struct BulkJobCLITests {
    static let model = FixtureLocator.model("jina-v2-tiny-en")!.path

    /// Deterministic sentences of 1–40 words (a fixed linear congruential sequence).
    static func corpus(rows: Int, seed: UInt64 = 7) -> [String] {
        let words = ["the", "a", "man", "woman", "dog", "cat", "runs", "eats", "sleeps", "under", "over", "quickly",
                     "slowly", "red", "blue", "house", "car", "tree", "river", "mountain", "北京", "天气", "über", "straße"]
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        return (0..<rows).map { _ in (0...next(40)).map { _ in words[next(words.count)] }.joined(separator: " ") }
    }

    static func jsonLine(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes]), as: UTF8.self)
    }

    static func write(_ lines: [String], to url: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    static func summary(_ result: CLI.Result) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    static func checkpointRows(_ path: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["rowsDone"] as? Int
    }

    @Test func killedJobResumesBitIdenticalInFlatMemory() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let texts = Self.corpus(rows: 100_000)
        let big = dir.appendingPathComponent("100k.jsonl"), small = dir.appendingPathComponent("1k.jsonl")
        try Self.write(try texts.map(Self.jsonLine), to: big)
        try Self.write(try texts.prefix(1000).map(Self.jsonLine), to: small)
        // One thread: with more, libdispatch may start further worker threads while CI runs other
        // processes (each with its stack and allocator caches), which over the 391 windows of the
        // long job added up to 3 MB (6 % of this tiny model's process) in one loaded run; that is the
        // thread pool's memory, not the job's, and it is bounded by the pool's size.
        func job(_ input: URL, _ output: String, _ extra: [String] = []) -> [String] {
            ["embed", "--model", Self.model, "--threads", "1", "--input", input.path, "--output", dir.appendingPathComponent(output).path] + extra
        }

        // Uninterrupted runs: the reference output, and peak RSS for 1k and 100k rows.
        let whole = try Self.summary(try await CLI.run(job(big, "whole.npy"), environment: [:]))
        let few = try Self.summary(try await CLI.run(job(small, "few.npy"), environment: [:]))
        #expect(whole["rows"] as? Int == 100_000)
        let rssBig = try #require(whole["peak_rss_bytes"] as? Int), rssSmall = try #require(few["peak_rss_bytes"] as? Int)
        print("bulk job peak RSS: 1k rows \(rssSmall) B, 100k rows \(rssBig) B (ratio \(Double(rssBig) / Double(rssSmall)))")
        #expect(Double(rssBig) <= Double(rssSmall) * 1.05, "peak RSS grew with the corpus: \(rssSmall) → \(rssBig) bytes")

        // The same job, killed (SIGKILL: no chance to clean up) somewhere in the middle.
        let output = dir.appendingPathComponent("killed.npy").path
        let checkpoint = output + ".checkpoint.json"
        let process = Process()
        process.executableURL = CLI.binary!
        process.arguments = job(big, "killed.npy")
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var killedAt = 0
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline {
            if let rows = Self.checkpointRows(checkpoint), rows >= 20_000 {
                kill(process.processIdentifier, SIGKILL)
                killedAt = rows
                break
            }
            usleep(2000)
        }
        process.waitUntilExit()
        try #require(process.terminationReason == .uncaughtSignal, "the job ended before it could be killed (\(process.terminationStatus))")
        let saved = try #require(Self.checkpointRows(checkpoint), "no checkpoint after the kill")
        #expect(saved >= killedAt && saved < 100_000)

        let resumed = try Self.summary(try await CLI.run(job(big, "killed.npy", ["--resume"]), environment: [:]))
        #expect(resumed["resumed_from"] as? Int == saved)
        #expect(resumed["rows"] as? Int == 100_000)
        #expect(!FileManager.default.fileExists(atPath: checkpoint), "the checkpoint is removed when the job finishes")
        let a = try Data(contentsOf: URL(fileURLWithPath: output)), b = try Data(contentsOf: dir.appendingPathComponent("whole.npy"))
        #expect(a.count == b.count && a == b, "resumed output differs from the uninterrupted one")
        #expect(b.count == 128 + 100_000 * 32 * 4)
        #expect(String(decoding: b[10..<128], as: UTF8.self).contains("'shape': (100000, 32)"))

        // A finished job has nothing to resume.
        let again = try await CLI.run(job(big, "killed.npy", ["--resume"]), environment: [:])
        #expect(again.status != 0 && again.stderr.contains("nothing to resume"), "\(again.stderr)")
    }

    @Test func idsShardsAndFormatsAgreeWithEmbed() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulk-ids-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let texts = Self.corpus(rows: 700, seed: 11)
        let ids: [Any] = texts.indices.map { $0 % 3 == 0 ? $0 : "doc/\($0) \"q\"" as Any }
        let corpus = dir.appendingPathComponent("corpus.jsonl")
        let lines = try texts.indices.map { try Self.jsonLine(["id": ids[$0], "text": texts[$0]]) }
        try Self.write(lines, to: corpus)
        let plain = dir.appendingPathComponent("plain.jsonl")
        try Self.write(try texts.map(Self.jsonLine), to: plain)
        let base = ["embed", "--model", Self.model, "--threads", "2", "--checkpoint-rows", "64"]

        // Reference: the vectors `embed` prints for the same texts.
        let printed = try await CLI.run(["embed", "--model", Self.model, "--threads", "2", "--input", plain.path], environment: [:])
        #expect(printed.status == 0, "\(printed.stderr)")
        let vectors = printed.stdout.split(separator: "\n").map(String.init)
        try #require(vectors.count == texts.count)

        // .jsonl keeps each id beside its vector, in input order.
        let full = dir.appendingPathComponent("full.jsonl")
        _ = try Self.summary(try await CLI.run(base + ["--input", corpus.path, "--output", full.path], environment: [:]))
        let rows = try String(contentsOf: full, encoding: .utf8).split(separator: "\n").map(String.init)
        try #require(rows.count == texts.count)
        for i in texts.indices {
            #expect(rows[i] == "{\"id\":\(try Self.jsonLine(ids[i])),\"embedding\":\(vectors[i])}", "row \(i)")
        }

        // Three shards concatenated are the whole output.
        var joined = ""
        for k in 0..<3 {
            let part = dir.appendingPathComponent("part\(k).jsonl")
            let s = try Self.summary(try await CLI.run(base + ["--input", corpus.path, "--output", part.path, "--shard", "\(k)/3"], environment: [:]))
            #expect(s["rows"] as? Int == (700 * (k + 1) / 3) - (700 * k / 3))
            joined += try String(contentsOf: part, encoding: .utf8)
        }
        #expect(joined == rows.joined(separator: "\n") + "\n")

        // .npy: float32 rows equal to the printed vectors; ids in the side file.
        let npy = dir.appendingPathComponent("vectors.npy")
        let s = try Self.summary(try await CLI.run(base + ["--input", corpus.path, "--output", npy.path], environment: [:]))
        #expect(s["ids"] as? String == dir.appendingPathComponent("vectors.ids.jsonl").path)
        let data = try Data(contentsOf: npy)
        try #require(data.count == 128 + texts.count * 32 * 4)
        let floats = data.dropFirst(128).withUnsafeBytes { raw in
            (0..<(texts.count * 32)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        for i in [0, 1, 350, 699] {
            let expected = try JSONDecoder().decode([Float].self, from: Data(vectors[i].utf8))
            #expect(Array(floats[(i * 32)..<(i * 32 + 32)]) == expected, "row \(i)")
        }
        let idLines = try String(contentsOf: dir.appendingPathComponent("vectors.ids.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(try idLines.map(String.init) == ids.map(Self.jsonLine))
    }

    @Test func badCorporaAndResumesAreRefusedClearly() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulk-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = ["embed", "--model", Self.model, "--threads", "1"]
        let mixed = dir.appendingPathComponent("mixed.jsonl")
        try Self.write(["\"plain\"", "{\"id\": 1, \"text\": \"object\"}"], to: mixed)
        let r1 = try await CLI.run(base + ["--input", mixed.path, "--output", dir.appendingPathComponent("m.npy").path], environment: [:])
        #expect(r1.status != 0 && r1.stderr.contains("mixed.jsonl:2: mixes plain strings"), "\(r1.stderr)")

        let badID = dir.appendingPathComponent("badid.jsonl")
        try Self.write(["{\"id\": true, \"text\": \"x\"}"], to: badID)
        let r2 = try await CLI.run(base + ["--input", badID.path, "--output", dir.appendingPathComponent("b.jsonl").path], environment: [:])
        #expect(r2.status != 0 && r2.stderr.contains("badid.jsonl:1: \"id\" must be a string or an integer"), "\(r2.stderr)")

        let r3 = try await CLI.run(base + ["--input", mixed.path, "--output", dir.appendingPathComponent("v.txt").path], environment: [:])
        #expect(r3.status != 0 && r3.stderr.contains("--output must end in .npy or .jsonl"), "\(r3.stderr)")

        // An interrupted job (its checkpoint left behind) resumes only with the same settings.
        let corpus = dir.appendingPathComponent("c.jsonl")
        try Self.write(try Self.corpus(rows: 50).map(Self.jsonLine), to: corpus)
        let out = dir.appendingPathComponent("c.npy").path
        let checkpoint = """
        {"version": 1, "settings": {}, "rowsDone": 0, "tokensDone": 0, "inputOffset": 0, "lineNumber": 0,
         "outputBytes": 0, "idsBytes": 0}
        """
        try Data(checkpoint.utf8).write(to: URL(fileURLWithPath: out + ".checkpoint.json"))
        let r4 = try await CLI.run(base + ["--input", corpus.path, "--output", out], environment: [:])
        #expect(r4.status != 0 && r4.stderr.contains("holds an unfinished job: add --resume"), "\(r4.stderr)")
        let r5 = try await CLI.run(base + ["--input", corpus.path, "--output", out, "--resume"], environment: [:])
        #expect(r5.status != 0 && r5.stderr.contains("cannot resume: the job's settings changed"), "\(r5.stderr)")
        #expect(!r5.stderr.contains("Usage"), "\(r5.stderr)")
    }
}
