import Hummingbird

func jsonResponse(_ writer: JSONWriter, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: writer.buffer))
}
