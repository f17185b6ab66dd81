import Foundation
import Hummingbird
import Logging

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
        metrics.recordRequest(route: Routes.label(path), status: response.status.code, duration: ContinuousClock.now - start)
        return response
    }

    static func errorResponse(_ error: Error, path: String, logger: Logger) -> Response {
        let route = Routes.route(path)
        var apiError = APIError(error, route: route)
        if let e = error as? HTTPError, e.status == .notFound, route != nil {
            // A known path with a method it does not take.
            apiError = APIError(.methodNotAllowed, .invalidRequest, "\(path) takes " +
                                Routes.methods(path).map(\.rawValue).joined(separator: ", ") + " only")
            apiError.headers[.allow] = Routes.methods(path).map(\.rawValue).joined(separator: ", ")
        }
        if apiError.status.code >= 500 && apiError.status != .serviceUnavailable {
            logger.error("request failed", metadata: ["error": "\(error)"])
        }
        return apiError.response(openAIShape: route?.openAIErrors ?? path.hasPrefix("/v1/"))
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
        if Routes.route(request.uri.path)?.operational == true { return try await next(request, context) }
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
