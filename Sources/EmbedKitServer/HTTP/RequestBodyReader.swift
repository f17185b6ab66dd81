import Foundation
import Hummingbird

/// Reads a request body under a size limit and a time limit.
struct RequestBodyReader {
    let maxBytes: Int
    let timeout: Duration

    func read(_ request: Request) async throws -> Data {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBytes {
            throw tooLarge
        }
        let body = request.body
        let limit = maxBytes
        return try await withThrowingTaskGroup(of: Data?.self) { group in
            group.addTask {
                var data = Data()
                for try await chunk in body {
                    if data.count + chunk.readableBytes > limit { throw APIError.tooLarge("the request body is larger than \(limit) bytes") }
                    data.append(contentsOf: chunk.readableBytesView)
                }
                return data
            }
            let timeout = self.timeout
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let data = first else {
                throw APIError(.requestTimeout, .timeout,
                               "the request body was not received within \(timeout)")
            }
            return data
        }
    }

    private var tooLarge: APIError { APIError.tooLarge("the request body is larger than \(maxBytes) bytes") }
}
