import EmbedKit
import EmbedKitTestFixtures
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `embedkit serve` as a process on a free port, for tests that compare its answers with the library's
/// and the CLI's.
final class ServedModel {
    let port: Int
    private let process = Process()

    init(_ arguments: [String]) async throws {
        port = TraceExportTests.freePort()
        guard let binary = CLI.binary else { throw CLIError("no embedkit binary was built") }
        process.executableURL = binary
        process.arguments = ["serve", "--port", String(port), "--threads", "1"] + arguments
        process.environment = ["PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<400 {
            if (try? await get("/health"))?.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        throw CLIError("the server did not start")
    }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    func get(_ path: String) async throws -> (status: Int, body: Any?) {
        try await call(URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!))
    }

    func post(_ path: String, _ json: [String: Any]) async throws -> (status: Int, body: Any?) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: json)
        return try await call(request)
    }

    private func call(_ request: URLRequest) async throws -> (status: Int, body: Any?) {
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try? JSONSerialization.jsonObject(with: data))
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The same request through the library, `embedkit embed`/`chunk` and `embedkit serve` gives the same
/// vectors, bit for bit: one request type (`EmbeddingRequest`) decides every rule for all three.
@Suite(.serialized, .enabled(if: CLI.binary != nil && FixtureLocator.model("dmeta-tiny") != nil))
struct OneRequestAllFacesTests {
    static let model = FixtureLocator.model("dmeta-tiny")?.path ?? ""

    static func texts() throws -> [String] {
        let golden = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model + "/golden.json"))) as! [String: Any]
        let cases = (golden["cases"] as! [[String: Any]]).map { $0["text"] as! String }
        // Short texts, an empty one, one past the 64-token limit (chunked by chunk-mean), and one just within it.
        return [cases[0], "", cases.prefix(12).joined(separator: " "), cases[1], String(cases.prefix(3).joined(separator: " ").prefix(120))]
    }

    static func write(_ texts: [String]) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("faces-\(UUID().uuidString).jsonl")
        let lines = try texts.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: .fragmentsAllowed), as: UTF8.self) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        return file
    }

    static func floats(_ any: Any?) -> [Float]? { (any as? [Any])?.compactMap { ($0 as? NSNumber)?.floatValue } }

    @Test func chunkMeanAndMatryoshkaAgreeAcrossLibraryCLIAndServer() async throws {
        let texts = try Self.texts()
        let model = try EmbeddingModel.load(folder: URL(fileURLWithPath: Self.model), threads: 1)
        var options = EncodeOptions(normalizeEmbeddings: true, maxLength: 64, truncateDimension: 16)
        options.overflow = .chunkMean
        let library = try model.encode(texts, options: options)
        #expect(library.count == texts.count)

        let file = try Self.write(texts)
        defer { try? FileManager.default.removeItem(at: file) }
        let cli = try await CLI.run(["embed", "--model", Self.model, "--threads", "1", "--input", file.path, "--overflow", "chunk-mean",
                                     "--max-length", "64", "--dimensions", "16", "--normalize"], environment: [:])
        #expect(cli.status == 0, "\(cli.stderr)")
        let printed = cli.stdout.split(separator: "\n").map { Self.floats(try? JSONSerialization.jsonObject(with: Data($0.utf8))) }
        #expect(printed == library.map { Optional($0) })

        let server = try await ServedModel(["--model", Self.model, "--max-input-tokens", "64"])
        defer { server.stop() }
        let tei = try await server.post("/embed", ["inputs": texts, "overflow": "chunk-mean", "dimensions": 16, "normalize": true])
        #expect(tei.status == 200, "\(String(describing: tei.body))")
        #expect((tei.body as? [Any])?.map(Self.floats) == library.map { Optional($0) })
        let openAI = try await server.post("/v1/embeddings", ["input": texts, "overflow": "chunk-mean", "dimensions": 16])
        let data = (openAI.body as? [String: Any])?["data"] as? [[String: Any]]
        #expect(data?.map { Self.floats($0["embedding"]) } == library.map { Optional($0) })
        // Usage counts the tokens of every chunk the engine ran.
        let usage = ((openAI.body as? [String: Any])?["usage"] as? [String: Any])?["prompt_tokens"] as? Int
        let planned = try model.plan(EmbeddingRequest(texts: texts, options: options)).inputs.reduce(0) { $0 + $1.ids.count }
        #expect(usage == planned && planned > 64)

        // A text that fits is embedded as encode embeds it, chunk-mean or not.
        options.overflow = .truncate
        #expect(library[0] == (try model.encode([texts[0]], options: options)[0]))

        // Chunks: the library, `embedkit chunk` and POST /chunk give the same chunk objects.
        let chunking = ChunkingOptions(chunkTokens: 20, boundaries: .sentences)
        let chunks = try model.chunk(texts, chunking: chunking, options: EncodeOptions(normalizeEmbeddings: true, maxLength: 64))
        let chunkCLI = try await CLI.run(["chunk", "--model", Self.model, "--threads", "1", "--input", file.path, "--chunk-tokens", "20",
                                          "--boundaries", "sentences", "--max-length", "64", "--normalize"], environment: [:])
        #expect(chunkCLI.status == 0, "\(chunkCLI.stderr)")
        #expect(chunkCLI.stdout == chunks.map(JSONText.chunks).joined(separator: "\n") + "\n")
        let served = try await server.post("/chunk", ["inputs": texts, "chunk_tokens": 20, "boundaries": "sentences"])
        let servedChunks = (served.body as? [[String: Any]])?.map { ($0["chunks"] as? [[String: Any]])?.map { Self.floats($0["embedding"]) } }
        #expect(servedChunks == chunks.map { $0.map { Optional($0.embedding) } })
        #expect(chunks[1].isEmpty, "an empty text has no chunks")
    }

    @Test func everyLineGetsOneResultInOrderAndBadLinesDoNotStopTheRest() async throws {
        let model = try EmbeddingModel.load(folder: URL(fileURLWithPath: Self.model), threads: 1)
        let long = String(repeating: "a long document keeps going ", count: 200)
        var bytes = [UInt8]()
        let lines: [[UInt8]] = [
            Array("\"first text\"".utf8), Array("\"\"".utf8), Array("\"   \\t  \"".utf8), [],
            Array("\"\(long)\"".utf8), Array("\"caf".utf8) + [0xFF, 0xFE] + Array(" bad\"".utf8), Array("{\"text\": 5}".utf8),
            Array("not json".utf8), Array("\"last text\"".utf8),
        ]
        for l in lines { bytes += l + [0x0A] }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(UUID().uuidString).jsonl")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let good = [0: "first text", 1: "", 2: "   \t  ", 3: "", 4: long, 8: "last text"]
        let bad = [6: "the line is not valid UTF-8", 7: "\"text\" must be a string", 8: "expected a JSON string or an object"]

        // chunk: one JSON line per input line; bad lines are errors naming their line; exit 1 at the end.
        let chunking = ChunkingOptions(chunkTokens: 32)
        let chunk = try await CLI.run(["chunk", "--model", Self.model, "--threads", "1", "--input", file.path, "--chunk-tokens", "32"],
                                      environment: [:])
        #expect(chunk.status == 1)
        let out = chunk.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        try #require(out.count == lines.count, "\(chunk.stdout)")
        for (i, text) in good {
            #expect(out[i] == JSONText.chunks(try model.chunk([text], chunking: chunking)[0]), "line \(i + 1)")
        }
        #expect(out[1] == "{\"chunks\":[]}" && out[2] == "{\"chunks\":[]}" && out[3] == "{\"chunks\":[]}")
        for (line, message) in bad {
            let error = (try JSONSerialization.jsonObject(with: Data(out[line - 1].utf8)) as? [String: String])?["error"]
            #expect(error?.contains("\(file.lastPathComponent):\(line): \(message)") == true, "\(out[line - 1])")
            #expect(chunk.stderr.contains("\(file.lastPathComponent):\(line): "))
        }
        #expect(chunk.stderr.contains("3 of 9 inputs failed"))

        // embed with --overflow error: the over-long line is refused in its place; the rest are embedded.
        let embed = try await CLI.run(["embed", "--model", Self.model, "--threads", "1", "--input", file.path, "--overflow", "error",
                                       "--max-length", "64"], environment: [:])
        #expect(embed.status == 1)
        let vectors = embed.stdout.split(separator: "\n").map(String.init)
        try #require(vectors.count == lines.count)
        #expect(vectors[4].contains("\(file.lastPathComponent):5: an input has") && vectors[4].hasPrefix("{\"error\":"))
        let want = try model.encode(["first text", "", "   \t  ", "", "last text"], options: EncodeOptions(maxLength: 64))
        for (k, i) in [0, 1, 2, 3, 8].enumerated() {
            #expect(Self.floats(try JSONSerialization.jsonObject(with: Data(vectors[i].utf8))) == want[k], "line \(i + 1)")
        }

        // A bulk job keeps every row in its place: error lines in .jsonl, NaN rows in .npy.
        let jsonl = file.deletingPathExtension().appendingPathExtension("out.jsonl")
        let bulk = try await CLI.run(["embed", "--model", Self.model, "--threads", "1", "--input", file.path, "--output", jsonl.path,
                                      "--overflow", "error", "--max-length", "64"], environment: [:])
        defer { try? FileManager.default.removeItem(at: jsonl) }
        #expect(bulk.status == 1 && bulk.stdout.contains("\"failed_this_run\":4"), "\(bulk.stdout) \(bulk.stderr)")
        #expect(try String(contentsOf: jsonl, encoding: .utf8) == embed.stdout)
        let npy = file.deletingPathExtension().appendingPathExtension("out.npy")
        defer { try? FileManager.default.removeItem(at: npy) }
        _ = try await CLI.run(["embed", "--model", Self.model, "--threads", "1", "--input", file.path, "--output", npy.path,
                               "--overflow", "error", "--max-length", "64"], environment: [:])
        let data = try Data(contentsOf: npy)
        let width = model.info.dimension
        try #require(data.count == 128 + lines.count * width * 4)
        let floats = data.dropFirst(128).withUnsafeBytes { raw in
            (0..<(lines.count * width)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        #expect(floats[(4 * width)..<(5 * width)].allSatisfy(\.isNaN) && floats[(8 * width)..<(9 * width)] == want[4][...])
    }
}
