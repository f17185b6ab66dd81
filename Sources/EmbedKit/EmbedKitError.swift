import EmbedKitFormats
import EmbedKitModels
import EmbedKitPipeline
import EmbedKitTokenizers

/// The one error type of the public API, with messages a user can act on. Errors of the inner
/// modules (tokenizer files, weight files, model configs, modules.json) arrive wrapped in it.
public enum EmbedKitError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A model file is missing, unreadable or malformed; `file` names it.
    case invalidModel(file: String, reason: String)
    /// A model file asks for something EmbedKit does not run; `file` names it.
    case unsupportedModel(file: String, reason: String)
    case invalidOption(String)
    /// A request option with a wrong value; `field` is its name as the HTTP APIs spell it
    /// (`dimensions`, `prompt_name`, `quantization_ranges`, ...).
    case invalidField(String, reason: String)
    case unknownToken(Int, vocabularySize: Int)
    /// Token ids without the special tokens the model's tokenizer adds (`SpecialTokenFrame`).
    case missingSpecialTokens(leading: [Int], trailing: [Int])
    /// An input longer than the limit, where truncation was not asked for.
    case inputTooLong(tokens: Int, limit: Int)
    /// A cross-encoder's query leaves no room for the document in a pair (`limit`: the query tokens a
    /// pair can hold with one document token).
    case queryTooLong(tokens: Int, limit: Int)
    /// A document to chunk has more tokens than the request allows (`EmbeddingRequest.maxDocumentTokens`).
    case documentTooLong(tokens: Int, limit: Int)
    /// More inputs than the request allows (`EmbeddingRequest.maxInputs`).
    case tooManyInputs(count: Int, limit: Int)
    /// The model computed NaN or infinity for an input (a damaged model, or an overflow at reduced precision).
    case nonFiniteOutput
    /// Input `index` (0-based, in request order) could not be embedded; the others were.
    indirect case input(index: Int, EmbedKitError)
    /// A Hub id could not be resolved (network, authentication, offline cache).
    case hub(String)

    public var description: String {
        switch self {
        case .invalidModel(let f, let r), .unsupportedModel(let f, let r): return "\(f): \(r)"
        case .invalidOption(let r), .invalidField(_, let r): return r
        case .unknownToken(let id, let n): return "token id \(id) is outside the vocabulary (0..<\(n))"
        case .missingSpecialTokens(let leading, let trailing):
            return "token ids must begin with \(leading) and end with \(trailing), the special tokens this model's tokenizer " +
                "adds; these look like another tokenizer's ids: send the text instead"
        case .inputTooLong(let tokens, let limit):
            return "an input has \(tokens) tokens; the limit is \(limit) (truncate it, or raise the limit)"
        case .queryTooLong(let tokens, let limit):
            return "the query has \(tokens) tokens; a pair leaves room for at most \(limit) beside the document (shorten the query)"
        case .documentTooLong(let tokens, let limit):
            return "the document has \(tokens) tokens; at most \(limit) are taken per document"
        case .tooManyInputs(let count, let limit): return "\(count) inputs; at most \(limit) are taken per request"
        case .nonFiniteOutput: return "the model produced a non-finite value (NaN or infinity)"
        case .input(let index, let error): return "input \(index): \(error.description)"
        case .hub(let r): return r
        }
    }

    /// The error itself, without the input it happened to (`input(index:_:)`).
    public var reason: EmbedKitError {
        if case .input(_, let inner) = self { return inner.reason }
        return self
    }

    /// Runs `body`, wrapping the inner modules' errors.
    static func wrapping<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw wrap(error) }
    }

    /// The public form of an inner module's error (its message kept).
    static func wrap(_ error: Error) -> Error {
        func split(_ file: String, _ message: String) -> String {
            message.hasPrefix(file + ": ") ? String(message.dropFirst(file.count + 2)) : message
        }
        switch error {
        case let e as EmbedKitError: return e
        case let e as TokenizerError:
            switch e {
            case .fileNotFound(let p):
                return EmbedKitError.invalidModel(file: p, reason: "no tokenizer found (need tokenizer.json, or vocab.txt + tokenizer_config.json)")
            case .invalidFile(let f, let r): return EmbedKitError.invalidModel(file: f, reason: r)
            case .unsupportedComponent(let f, _, _): return EmbedKitError.unsupportedModel(file: f, reason: split(f, e.description))
            }
        case let e as FormatError:
            switch e {
            case .fileNotFound(let f): return EmbedKitError.invalidModel(file: f, reason: "file not found")
            case .unsupported(let f, _): return EmbedKitError.unsupportedModel(file: f, reason: split(f, e.description))
            case .malformed(let f, _), .missingTensor(let f, _), .shapeMismatch(let f, _, _, _):
                return EmbedKitError.invalidModel(file: f, reason: split(f, e.description))
            }
        case let e as ModelError:
            switch e {
            case .missingFile(let f): return EmbedKitError.invalidModel(file: f, reason: "file not found")
            case .invalidConfig(let f, _): return EmbedKitError.invalidModel(file: f, reason: split(f, e.description))
            case .unsupportedArchitecture(let f, _): return EmbedKitError.unsupportedModel(file: f, reason: split(f, e.description))
            case .sequenceTooLong(let length, let maximum): return EmbedKitError.inputTooLong(tokens: length, limit: maximum)
            case .tokenOutOfRange(let id, let n): return EmbedKitError.unknownToken(id, vocabularySize: n)
            }
        case let e as PipelineError:
            switch e {
            case .missingFile(let f): return EmbedKitError.invalidModel(file: f, reason: "file not found")
            case .invalidFile(let f, let r): return EmbedKitError.invalidModel(file: f, reason: r)
            case .unsupportedModule(let f, _): return EmbedKitError.unsupportedModel(file: f, reason: split(f, e.description))
            }
        default: return error
        }
    }

    /// `error` as an `EmbedKitError` (an error of no known kind becomes `invalidOption` with its text).
    static func of(_ error: Error) -> EmbedKitError {
        (wrap(error) as? EmbedKitError) ?? .invalidOption("\(error)")
    }
}
