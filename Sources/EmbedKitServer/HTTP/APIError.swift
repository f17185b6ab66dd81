import EmbedKit
import Hummingbird

/// An error returned to a client: a status, a message it can act on, and the request field at fault.
/// Rendered in OpenAI's shape on the OpenAI routes and in TEI's shape elsewhere. `init(_:route:)` is the
/// one place an engine error gets its HTTP status.
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
    /// Extra response headers (`Allow` on 405).
    var headers: HTTPFields = [:]

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

    /// Any error a handler throws, as the client sees it on `route`.
    init(_ error: Error, route: Route?) {
        switch error {
        case let e as APIError: self = e
        case let e as EmbedKitError: self = Self.engine(e, route: route)
        case let e as EngineError: self = Self.engine(e)
        case let e as HTTPError:
            switch e.status {
            case .notFound: self = APIError(.notFound, .notFound, "no route for this method and path")
            case .contentTooLarge: self = .tooLarge("the request body is too large")
            default: self = APIError(e.status, e.status.code < 500 ? .invalidRequest : .server, e.body ?? e.status.reasonPhrase)
            }
        case is CancellationError:
            self = APIError(.init(code: 499, reasonPhrase: "Client Closed Request"), .invalidRequest, "request cancelled")
        default:
            self = APIError(.internalServerError, .server, "internal error: \(error)")
        }
    }

    private static func engine(_ error: EngineError) -> APIError {
        switch error {
        case .notReady, .shuttingDown: return APIError(.serviceUnavailable, .unavailable, error.description)
        case .memoryBusy: return APIError(.serviceUnavailable, .rateLimit, error.description)
        case .tooLargeForMemory, .passTooLong: return .tooLarge(error.description)
        case .forwardFailed: return APIError(.internalServerError, .server, error.description)
        }
    }

    private static func engine(_ error: EmbedKitError, route: Route?) -> APIError {
        let field = route?.inputField ?? "inputs"
        var subject = "the input"
        var reason = error
        if case .input(let index, let inner) = error {
            subject = "'\(field)[\(index)]'"
            reason = inner.reason
        }
        switch reason {
        case .inputTooLong(let tokens, let limit):
            return .tooLarge("\(subject) has \(tokens) tokens; the limit is \(limit). Shorten it, set \"truncate\": true, " +
                             "or \"overflow\": \"chunk-mean\" (one vector) or POST /chunk (one per chunk)", param: field)
        case .queryTooLong:
            return .tooLarge(reason.description, param: "query")
        case .documentTooLong(let tokens, let limit) where route?.path == "/chunk":
            return .tooLarge("\(subject) has \(tokens) tokens; /chunk takes at most \(limit) per text", param: field)
        case .documentTooLong(let tokens, let limit):
            return .tooLarge("with late_chunking the chunks together take \(tokens) tokens; the limit is \(limit). Send fewer " +
                             "chunks, or POST /chunk with \"pooling\": \"late\", which runs longer documents in windows", param: field)
        case .tooManyInputs(let count, let limit):
            return .tooLarge("'\(field)' has \(count) items; at most \(limit) are allowed per request", param: field)
        case .unknownToken(let id, let size):
            return .invalid(
                "\(subject) has token id \(id), outside this model's vocabulary (0..<\(size)). Token-id inputs must be this " +
                    "model's own ids (POST /tokenize returns them); a client that tokenized with another vocabulary sends " +
                    "wrong ids: send text instead (LangChain's OpenAIEmbeddings: check_embedding_ctx_length=False)", param: field)
        case .missingSpecialTokens(let leading, let trailing):
            return .invalid(
                "\(subject) is token ids that do not begin with \(leading) and end with \(trailing), the special tokens this " +
                    "model's tokenizer adds: they look like another tokenizer's ids (an OpenAI client's tiktoken ids), which " +
                    "would give a meaningless vector. Send text instead (LangChain's OpenAIEmbeddings: " +
                    "check_embedding_ctx_length=False), or this model's own ids from POST /tokenize", param: field)
        case .invalidField(let name, let why):
            return .invalid(why, param: name)
        case .invalidOption(let why):
            return .invalid(subject == "the input" ? why : "\(subject): \(why)", param: subject == "the input" ? nil : field)
        case .nonFiniteOutput:
            return APIError(.internalServerError, .server, "the engine produced a non-finite value (NaN or infinity)")
        case .invalidModel, .unsupportedModel, .hub, .input:
            return APIError(.internalServerError, .server, reason.description)
        }
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

    /// `{"error": {"message", "type", "param", "code"}}` (OpenAI) or `{"error", "error_type"}` (TEI), both
    /// with a top-level `"detail"` (the message), which FastAPI-style clients (Jina's) read.
    func response(openAIShape: Bool) -> Response {
        var json = JSONWriter()
        if openAIShape {
            json.object([("error", .object([("message", .string(message)), ("type", .string(kind.rawValue)),
                                            ("param", .string(param)), ("code", .string(String(status.code)))])),
                         ("detail", .string(message))])
        } else {
            json.object([("error", .string(message)), ("error_type", .string(teiErrorType)), ("detail", .string(message))])
        }
        var fields = headers
        fields[.contentType] = "application/json"
        if status == .tooManyRequests || status == .serviceUnavailable { fields[.retryAfter] = "1" }
        if status == .unauthorized { fields[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: fields, body: .init(byteBuffer: json.buffer))
    }
}
