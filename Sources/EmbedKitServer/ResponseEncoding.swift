import Foundation
import Hummingbird

/// Post-processing of the engine's vectors per request, and their JSON forms.
enum EmbeddingPostprocessing {
    /// Keeps the first `dimensions` values (Matryoshka), then L2-normalizes if asked, as TEI and OpenAI do.
    static func apply(_ v: [Float], dimensions: Int?, normalize: Bool) -> [Float] {
        var out = dimensions.map { Array(v.prefix($0)) } ?? v
        if normalize {
            var sum: Float = 0
            for x in out { sum += x * x }
            let norm = max(sum.squareRoot(), 1e-12)
            for i in out.indices { out[i] /= norm }
        }
        return out
    }

    /// Little-endian float32 bytes, base64-encoded: OpenAI's `encoding_format: "base64"`.
    static func base64(_ v: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(v.count * 4)
        for x in v {
            let bits = x.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }

    static func checkFinite(_ vectors: [[Float]]) throws {
        if vectors.contains(where: { $0.contains(where: { !$0.isFinite }) }) {
            throw APIError(.internalServerError, .server, "the engine produced a non-finite value (NaN or infinity)")
        }
    }
}

func jsonResponse(_ writer: JSONWriter, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: writer.buffer))
}
