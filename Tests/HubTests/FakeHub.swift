import Foundation
import EmbedKitTestFixtures
import EmbedKitHub
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A loopback Hugging Face Hub speaking the file API over fixture folders:
/// `GET /api/models/{id}/revision/{rev}`, `HEAD|GET /{id}/resolve/{rev}/{file}` (LFS files answer with a
/// 302 to `/lfs/<sha256>` carrying X-Linked-Etag / X-Linked-Size, as the real Hub does), `GET /lfs/<sha256>`
/// with Range support. It records every request and can cut a transfer, corrupt a file or require a token.
final class FakeHub: @unchecked Sendable {
    struct Repo {
        var commit: String
        var files: [String: [UInt8]]
        /// Extra names in `siblings` without content (e.g. hostile paths).
        var extraSiblings: [String] = []
        /// When set, requests need `Authorization: Bearer <token>`.
        var token: String? = nil
    }

    struct Hit: Sendable {
        var method: String
        var path: String
        var range: String?
        var authorization: String?
        var bytesSent: Int = 0
    }

    private let lock = NSLock()
    private var repos: [String: Repo] = [:]
    private var hits: [Hit] = []
    private var cutOnce: Set<String> = []
    private var corrupt: Set<String> = []
    private var serverTask: Task<Void, Error>?
    private(set) var port = 0

    var endpoint: String { "http://127.0.0.1:\(port)" }

    static let fixtures = FixtureLocator.local("")

    /// Every file of a fixture folder, by relative path.
    static func fixtureFiles(_ name: String) throws -> [String: [UInt8]] {
        let root = fixtures.appendingPathComponent(name)
        var files: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root.path)!
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let url = root.appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[path] = [UInt8](try Data(contentsOf: url))
            }
        }
        return files
    }

    static func commitHash(_ seed: String) -> String { String(SHA256.hex(Array(seed.utf8)).prefix(40)) }

    /// sha256 of each served file, computed once (hashing is slow in debug builds).
    private var hashes: [String: (file: String, bytes: [UInt8])] = [:]
    private var shaOf: [String: String] = [:]   // "id\0file" → sha256

    func add(_ id: String, _ repo: Repo) {
        var computed: [(String, String, [UInt8])] = []
        for (file, bytes) in repo.files { computed.append((SHA256.hex(bytes), file, bytes)) }
        lock.withLock {
            repos[id] = repo
            for (sha, file, bytes) in computed { hashes[sha] = (file, bytes); shaOf[id + "\0" + file] = sha }
        }
    }

    private func sha256(id: String, file: String, bytes: [UInt8]) -> String {
        lock.withLock { shaOf[id + "\0" + file] } ?? SHA256.hex(bytes)
    }
    func cutOnceMidway(_ file: String) { lock.withLock { _ = cutOnce.insert(file) } }
    func corrupt(_ file: String) { lock.withLock { _ = corrupt.insert(file) } }
    var requests: [Hit] { lock.withLock { hits } }
    /// Requests for file content or metadata (resolve and LFS), not the model-info API.
    var fileRequests: [Hit] { requests.filter { !$0.path.hasPrefix("/api/") } }

    static func isLFS(_ file: String) -> Bool {
        file.hasSuffix(".bin") || file.hasSuffix(".safetensors") || file.hasSuffix(".onnx")
    }

    // MARK: Server

    func start() async throws {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "fake-hub")
        logger.logLevel = .critical
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { [self] request, _ in self.respond(request) },
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        serverTask = Task { try await app.runService(gracefulShutdownSignals: []) }
        for await port in stream { self.port = port }
        guard port > 0 else { throw CancellationError() }
    }

    func stop() async {
        serverTask?.cancel()
        _ = try? await serverTask?.value
    }

    private func record(_ hit: Hit) -> Int { lock.withLock { hits.append(hit); return hits.count - 1 } }
    private func addBytes(_ index: Int, _ count: Int) { lock.withLock { hits[index].bytesSent += count } }

    private func respond(_ request: Request) -> Response {
        let path = request.uri.path
        let index = record(Hit(method: request.method.rawValue, path: path,
                               range: request.headers[.range], authorization: request.headers[.authorization]))
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            String($0).removingPercentEncoding ?? String($0)
        }
        // /api/models/{org}/{name}/revision/{rev}
        if parts.count == 6, parts[0] == "api", parts[1] == "models", parts[4] == "revision" {
            return modelInfo(id: parts[2] + "/" + parts[3], revision: parts[5], request: request)
        }
        // /lfs/{sha256}
        if parts.count == 2, parts[0] == "lfs" {
            return lfs(sha: parts[1], request: request, hit: index)
        }
        // /{org}/{name}/resolve/{rev}/{file...}
        if parts.count >= 5, parts[2] == "resolve" {
            return resolve(id: parts[0] + "/" + parts[1], revision: parts[3],
                           file: parts[4...].joined(separator: "/"), request: request, hit: index)
        }
        return Response(status: .notFound)
    }

    private func error(_ status: HTTPResponse.Status, code: String?) -> Response {
        var headers = HTTPFields()
        if let code { headers[HTTPField.Name("X-Error-Code")!] = code }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\"\(code ?? "")\"}")))
    }

    /// The repo if it exists and the request may see it; otherwise the Hub's error.
    private func access(_ id: String, revision: String, request: Request) -> Result<Repo, Failure> {
        guard let repo = lock.withLock({ repos[id] }) else {
            return .failure(Failure(response: error(.notFound, code: "RepoNotFound")))
        }
        if let token = repo.token, request.headers[.authorization] != "Bearer \(token)" {
            return .failure(Failure(response: error(.unauthorized, code: nil)))
        }
        guard revision == "main" || revision == repo.commit else {
            return .failure(Failure(response: error(.notFound, code: "RevisionNotFound")))
        }
        return .success(repo)
    }

    struct Failure: Error { var response: Response }

    private func modelInfo(id: String, revision: String, request: Request) -> Response {
        let repo: Repo
        switch access(id, revision: revision, request: request) {
        case .success(let r): repo = r
        case .failure(let f): return f.response
        }
        let siblings = (repo.files.keys.sorted() + repo.extraSiblings).map { ["rfilename": $0] }
        let json: [String: Any] = ["id": id, "sha": repo.commit, "siblings": siblings]
        let data = try! JSONSerialization.data(withJSONObject: json)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private func resolve(id: String, revision: String, file: String, request: Request, hit: Int) -> Response {
        let repo: Repo
        switch access(id, revision: revision, request: request) {
        case .success(let r): repo = r
        case .failure(let f): return f.response
        }
        guard let bytes = repo.files[file] else { return error(.notFound, code: "EntryNotFound") }
        let sha = sha256(id: id, file: file, bytes: bytes)
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Repo-Commit")!] = repo.commit
        if Self.isLFS(file) {
            headers[.eTag] = "\"\(Self.commitHash("pointer " + file))\""
            headers[HTTPField.Name("X-Linked-Etag")!] = "\"\(sha)\""
            headers[HTTPField.Name("X-Linked-Size")!] = "\(bytes.count)"
            headers[.location] = "\(endpoint)/lfs/\(sha)"
            headers[.contentLength] = "0"
            return Response(status: .found, headers: headers)
        }
        headers[.eTag] = "\"\(sha.prefix(40))\""
        if request.method == .head {
            headers[.contentLength] = "\(bytes.count)"
            return Response(status: .ok, headers: headers)
        }
        addBytes(hit, bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private func lfs(sha: String, request: Request, hit: Int) -> Response {
        guard let (file, original) = lock.withLock({ hashes[sha] }), Self.isLFS(file) else {
            return Response(status: .notFound)
        }
        var bytes = original
        if lock.withLock({ corrupt.contains(file) }) { bytes[bytes.count / 2] ^= 0xff }
        var start = 0
        var status = HTTPResponse.Status.ok
        var headers = HTTPFields()
        headers[.eTag] = "\"\(sha)\""
        if let range = request.headers[.range], range.hasPrefix("bytes="), range.hasSuffix("-"),
           let offset = Int(range.dropFirst(6).dropLast()) {
            guard offset < bytes.count else { return Response(status: .rangeNotSatisfiable) }
            start = offset
            status = .partialContent
            headers[.contentRange] = "bytes \(offset)-\(bytes.count - 1)/\(bytes.count)"
        }
        let body = Array(bytes[start...])
        let cut = lock.withLock { cutOnce.remove(file) != nil }
        let count = cut ? body.count / 2 : body.count
        addBytes(hit, count)
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: body.count) { writer in
            try await writer.write(ByteBuffer(bytes: body[0..<count]))
            if cut { throw CancellationError() }   // drops the connection mid-file
            try await writer.finish(nil)
        })
    }
}
