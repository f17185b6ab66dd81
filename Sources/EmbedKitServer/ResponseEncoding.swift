import HTTPTypes
import Hummingbird

/// A JSON response; `truncated` (indices of inputs cut at the max length) goes in an
/// `X-Truncated-Inputs: 0,3` header, which leaves the body's schema as the API defines it.
func jsonResponse(_ writer: JSONWriter, status: HTTPResponse.Status = .ok, truncated: [Int] = []) -> Response {
    var headers: HTTPFields = [.contentType: "application/json"]
    if !truncated.isEmpty, let name = HTTPField.Name("X-Truncated-Inputs") {
        headers[name] = truncated.map(String.init).joined(separator: ",")
    }
    return Response(status: status, headers: headers, body: .init(byteBuffer: writer.buffer))
}
