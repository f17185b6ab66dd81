import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// What `GET /api/models/{id}/revision/{revision}` tells us.
struct ModelInfoResponse: Decodable {
    struct Sibling: Decodable { var rfilename: String }
    var sha: String?
    var siblings: [Sibling]?
}

/// What a `HEAD /{id}/resolve/{commit}/{file}` tells us (from the redirect response for LFS files).
struct FileMetadata: Sendable {
    var commit: String?
    /// Blob name: the ETag without quotes and `W/` (for LFS files the sha256 of the content).
    var etag: String
    var size: Int64
    /// Where to GET the bytes (the resolve URL, or the CDN location it redirects to).
    var downloadURL: String
}

/// The two Hub endpoints EmbedKit uses, over AsyncHTTPClient with redirects handled here
/// (relative ones only for metadata, like huggingface_hub; the token is dropped when a redirect changes host).
struct HubAPI {
    let client: HTTPClient
    let configuration: HubConfiguration
    let logger: Logger
    static let userAgent = "embedkit/0.1 (huggingface_hub-compatible)"

    // MARK: URLs

    private static let unreserved: CharacterSet = {
        var set = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        set.insert(charactersIn: "-._~")
        return set
    }()

    static func encode(_ component: String) -> String {
        component.addingPercentEncoding(withAllowedCharacters: unreserved) ?? component
    }

    func infoURL(_ model: ModelReference) -> String {
        "\(configuration.endpoint)/api/models/\(model.id)/revision/\(Self.encode(model.revision))"
    }

    func resolveURL(_ model: ModelReference, commit: String, file: String) -> String {
        let path = file.split(separator: "/").map { Self.encode(String($0)) }.joined(separator: "/")
        return "\(configuration.endpoint)/\(model.id)/resolve/\(Self.encode(commit))/\(path)"
    }

    // MARK: Requests

    func request(_ url: String, method: HTTPMethod, range: Int64? = nil, sendToken: Bool = true) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        if sendToken, let token = configuration.token {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let range, range > 0 {
            request.headers.add(name: "Range", value: "bytes=\(range)-")
        }
        return request
    }

    /// Runs a request; network-level failures become `HubError.network`.
    func execute(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> HTTPClientResponse {
        do {
            return try await client.execute(request, timeout: timeout, logger: logger)
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError.network(url: request.url, message: Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return String(describing: error)
    }

    /// Maps an unsuccessful status (and the Hub's X-Error-Code) to a HubError.
    func failure(_ response: HTTPClientResponse, url: String, model: ModelReference, file: String?) -> HubError {
        let code = response.headers.first(name: "X-Error-Code")
        let status = Int(response.status.code)
        switch code {
        case "RepoNotFound": return .modelNotFound(id: model.id, endpoint: configuration.endpoint)
        case "RevisionNotFound": return .revisionNotFound(id: model.id, revision: model.revision)
        case "EntryNotFound": return .fileNotFound(id: model.id, file: file ?? url)
        case "GatedRepo": return .unauthorized(id: model.id, endpoint: configuration.endpoint, tokenSent: configuration.token != nil)
        default: break
        }
        switch status {
        case 401, 403: return .unauthorized(id: model.id, endpoint: configuration.endpoint, tokenSent: configuration.token != nil)
        case 404:
            if let file { return .fileNotFound(id: model.id, file: file) }
            return model.revision == "main" ? .modelNotFound(id: model.id, endpoint: configuration.endpoint)
                : .revisionNotFound(id: model.id, revision: model.revision)
        default: return .httpStatus(status, url: url)
        }
    }

    static func isRedirect(_ status: UInt) -> Bool { [301, 302, 303, 307, 308].contains(status) }

    static func resolve(_ location: String, against base: String) -> String? {
        guard let baseURL = URL(string: base), let url = URL(string: location, relativeTo: baseURL) else { return nil }
        return url.absoluteURL.absoluteString
    }

    static func host(of url: String) -> String? {
        guard let components = URLComponents(string: url) else { return nil }
        return "\(components.scheme ?? ""):\(components.host ?? ""):\(components.port ?? -1)"
    }

    // MARK: Endpoints

    /// `GET /api/models/{id}/revision/{revision}`: the commit and the file list.
    func modelInfo(_ model: ModelReference) async throws -> (commit: String, files: [String]) {
        let url = infoURL(model)
        let response = try await execute(request(url, method: .GET), timeout: .seconds(60))
        guard response.status.code == 200 else {
            _ = try? await response.body.collect(upTo: 1 << 16)
            throw failure(response, url: url, model: model, file: nil)
        }
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: 32 << 20)
        } catch {
            throw HubError.network(url: url, message: Self.describe(error))
        }
        let info: ModelInfoResponse
        do {
            info = try JSONDecoder().decode(ModelInfoResponse.self, from: Data(body.readableBytesView))
        } catch {
            throw HubError.badResponse(url: url, message: "model info is not the expected JSON")
        }
        guard let sha = info.sha else { throw HubError.badResponse(url: url, message: "model info has no 'sha'") }
        try PathSafety.requireComponent(sha, context: "the commit hash of \(model.id)")
        let files = (info.siblings ?? []).map(\.rfilename)
        for file in files { try PathSafety.requireRelativePath(file, context: "the file list of \(model.id)") }
        return (sha, files)
    }

    /// `HEAD /{id}/resolve/{commit}/{file}`, following relative redirects only.
    func fileMetadata(_ model: ModelReference, commit: String, file: String) async throws -> FileMetadata {
        var url = resolveURL(model, commit: commit, file: file)
        for _ in 0..<5 {
            let response = try await execute(request(url, method: .HEAD), timeout: .seconds(60))
            let status = response.status.code
            let headers = response.headers
            var location: String? = nil
            if Self.isRedirect(status) {
                guard let raw = headers.first(name: "Location"), let absolute = Self.resolve(raw, against: url) else {
                    throw HubError.badResponse(url: url, message: "redirect without a valid Location")
                }
                if !raw.contains("://") {   // relative: a renamed repository, ask again there
                    url = absolute
                    continue
                }
                location = absolute
            } else if status != 200 {
                throw failure(response, url: url, model: model, file: file)
            }
            let rawETag = headers.first(name: "X-Linked-Etag") ?? headers.first(name: "ETag")
            guard let rawETag else {
                throw HubError.badResponse(url: url, message: "no ETag for \(file): cannot name the blob")
            }
            let etag = Self.normalizeETag(rawETag)
            try PathSafety.requireComponent(etag, context: "the ETag of \(file)")
            let sizeText = headers.first(name: "X-Linked-Size") ?? headers.first(name: "Content-Length")
            guard let sizeText, let size = Int64(sizeText), size >= 0 else {
                throw HubError.badResponse(url: url, message: "no size for \(file)")
            }
            let repoCommit = headers.first(name: "X-Repo-Commit")
            if let repoCommit { try PathSafety.requireComponent(repoCommit, context: "the commit of \(file)") }
            return FileMetadata(commit: repoCommit, etag: etag, size: size, downloadURL: location ?? url)
        }
        throw HubError.badResponse(url: url, message: "too many redirects")
    }

    static func normalizeETag(_ raw: String) -> String {
        var etag = raw.trimmingCharacters(in: .whitespaces)
        if etag.hasPrefix("W/") { etag.removeFirst(2) }
        if etag.hasPrefix("\""), etag.hasSuffix("\""), etag.count >= 2 { etag = String(etag.dropFirst().dropLast()) }
        return etag
    }

    /// `GET` with an optional `Range: bytes=<offset>-`, following redirects (the token is not sent to another host).
    /// Returns the response whose status is 200 or 206; the caller streams its body.
    func get(_ startURL: String, model: ModelReference, file: String, offset: Int64) async throws -> HTTPClientResponse {
        var url = startURL
        let origin = Self.host(of: configuration.endpoint)
        for _ in 0..<10 {
            let sameHost = Self.host(of: url) == origin
            let response = try await execute(request(url, method: .GET, range: offset, sendToken: sameHost), timeout: .hours(24))
            let status = response.status.code
            if status == 200 || status == 206 || status == 416 { return response }
            _ = try? await response.body.collect(upTo: 1 << 16)
            if Self.isRedirect(status) {
                guard let raw = response.headers.first(name: "Location"), let next = Self.resolve(raw, against: url) else {
                    throw HubError.badResponse(url: url, message: "redirect without a valid Location")
                }
                url = next
                continue
            }
            throw failure(response, url: url, model: model, file: file)
        }
        throw HubError.badResponse(url: startURL, message: "too many redirects")
    }
}
