import Hummingbird

/// An error returned to a client: a status, a message it can act on, and the request field at fault.
/// Rendered in OpenAI's shape on the OpenAI routes and in TEI's shape elsewhere.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalidRequest = "invalid_request_error"
        case authentication = "authentication_error"
        case rateLimit = "rate_limit_exceeded"
        case payloadTooLarge = "payload_too_large"
        case timeout = "timeout"
        case notFound = "not_found"
        case unavailable = "unavailable"
        case server = "server_error"
    }

    public var status: HTTPResponse.Status
    public var kind: Kind
    public var message: String
    public var param: String?

    public init(_ status: HTTPResponse.Status, _ kind: Kind, _ message: String, param: String? = nil) {
        self.status = status
        self.kind = kind
        self.message = message
        self.param = param
    }

    public var description: String { "\(status.code) \(kind.rawValue): \(message)" }

    static func invalid(_ message: String, param: String? = nil) -> APIError {
        APIError(.badRequest, .invalidRequest, message, param: param)
    }

    static func tooLarge(_ message: String, param: String? = nil) -> APIError {
        APIError(.contentTooLarge, .payloadTooLarge, message, param: param)
    }

    /// TEI's `error_type` names.
    var teiErrorType: String {
        switch kind {
        case .invalidRequest, .payloadTooLarge, .notFound: return "Validation"
        case .authentication: return "Unauthorized"
        case .rateLimit: return "Overloaded"
        case .unavailable: return "Unhealthy"
        case .timeout: return "Timeout"
        case .server: return "Backend"
        }
    }

    /// `{"error": {"message", "type", "param", "code"}}` (OpenAI) or `{"error", "error_type"}` (TEI).
    func response(openAIShape: Bool) -> Response {
        var json = JSONWriter()
        if openAIShape {
            json.raw("{\"error\":{\"message\":")
            json.string(message)
            json.raw(",\"type\":")
            json.string(kind.rawValue)
            json.raw(",\"param\":")
            if let param { json.string(param) } else { json.raw("null") }
            json.raw(",\"code\":")
            json.string(String(status.code))
            json.raw("}}")
        } else {
            json.raw("{\"error\":")
            json.string(message)
            json.raw(",\"error_type\":")
            json.string(teiErrorType)
            json.raw("}")
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .tooManyRequests || status == .serviceUnavailable { headers[.retryAfter] = "1" }
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: json.buffer))
    }
}
