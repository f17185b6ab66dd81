import EmbedKit
import Foundation

/// `POST /embed_sparse`'s answer (TEI's): per input, its nonzero entries `{"index", "value"}`, indices
/// ascending. The request is `/embed_all`'s body (`EmbedAllRequest`) made an `EmbeddingRequest.Output.sparse`
/// request; served when `--model` is a SPLADE model (other models answer it with a 400).
struct SparseVectorList: JSONBody {
    let results: [EmbeddingResult]

    func write(into json: inout JSONWriter) {
        json.array(results) { r, json in
            let v = SparseVector(interleaved: r.vectors[0])
            json.array(zip(v.indices, v.values)) { entry, json in
                json.raw("{\"index\":")
                json.int(entry.0)
                json.raw(",\"value\":")
                json.float(entry.1)
                json.raw("}")
            }
        }
    }

    static let schema: Schema = .array(.array(.object([("index", .integer()), ("value", .number())], required: ["index", "value"])),
                                       description: "Per input, its nonzero vocabulary weights")
}
