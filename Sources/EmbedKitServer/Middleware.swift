import Foundation
import Hummingbird
import Logging

/// Routes served; anything else is counted as "other" in the metrics.
enum Routes {
    static let known: Set<String> = [
        "/v1/embeddings", "/embeddings", "/embed", "/tokenize", "/info", "/health", "/metrics", "/v1/models",
    ]
    /// Errors on these paths use OpenAI's shape; elsewhere TEI's.
    static func usesOpenAIShape(_ path: String) -> Bool { path.hasPrefix("/v1/") || path == "/embeddings" }
    /// Routes open without an API key and outside the concurrency limit.
    static func isOperational(_ path: String) -> Bool { path == "/health" || path == "/metrics" }
}

/// Outermost: turns every error into a JSON error response and records request count and latency.
struct ErrorAndMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = Self.errorResponse(error, path: path, logger: context.logger)
        }
        metrics.recordRequest(route: Routes.known.contains(path) ? path : "other", status: response.status.code,
                              duration: ContinuousClock.now - start)
        return response
    }

    static func errorResponse(_ error: Error, path: String, logger: Logger) -> Response {
        let apiError: APIError
        switch error {
        case let e as APIError:
            apiError = e
        case let e as HTTPError:
            switch e.status {
            case .notFound: apiError = APIError(.notFound, .notFound, "no route for this method and path")
            case .contentTooLarge: apiError = .tooLarge("the request body is too large")
            case .methodNotAllowed: apiError = APIError(.methodNotAllowed, .invalidRequest, "method not allowed")
            default: apiError = APIError(e.status, e.status.code < 500 ? .invalidRequest : .server, e.body ?? e.status.reasonPhrase)
            }
        case is CancellationError:
            apiError = APIError(.init(code: 499, reasonPhrase: "Client Closed Request"), .invalidRequest, "request cancelled")
        default:
            logger.error("request failed", metadata: ["error": "\(error)"])
            apiError = APIError(.internalServerError, .server, "internal error: \(error)")
        }
        return apiError.response(openAIShape: Routes.usesOpenAIShape(path))
    }
}

/// With an API key configured, requires `Authorization: Bearer <key>` on every route but `/health`.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let expected: [UInt8]

    init(apiKey: String) { expected = Array(apiKey.utf8) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/health" { return try await next(request, context) }
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix.lowercased(),
              Self.constantTimeEquals(Array(header.dropFirst(prefix.count).utf8), expected)
        else {
            throw APIError(.unauthorized, .authentication,
                           "missing or wrong API key; send the header 'Authorization: Bearer <key>'")
        }
        return try await next(request, context)
    }

    /// Compares without an early exit, so the time taken does not reveal how much of the key matched.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            diff |= x ^ y
        }
        return diff == 0 && a.count == b.count
    }
}

/// Back-pressure: at most `limit` requests are handled at once; more get 429 at once.
struct ConcurrencyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Int
    let inFlight: Locked<Int>
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Routes.isOperational(request.uri.path) { return try await next(request, context) }
        let admitted = inFlight.withLock { n -> Bool in
            guard n < limit else { return false }
            n += 1
            return true
        }
        guard admitted else {
            throw APIError(.tooManyRequests, .rateLimit,
                           "too many concurrent requests (limit \(limit)); retry later")
        }
        metrics.concurrentRequests.increment()
        defer {
            inFlight.withLock { $0 -= 1 }
            metrics.concurrentRequests.decrement()
        }
        return try await next(request, context)
    }
}
