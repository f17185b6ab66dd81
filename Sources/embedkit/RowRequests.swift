import ArgumentParser
import EmbedKit
import Foundation

extension EmbeddingModel {
    /// Runs the readable rows as one request shaped by `template` (its inputs are replaced): per row, its
    /// result or its error named by `file:line`, so one bad row never takes the others with it. A wrong
    /// option fails the whole call. Also returns the tokens the model read.
    func embed(_ rows: [InputRow], _ template: EmbeddingRequest, file: String?) throws -> (results: [RowResult], tokens: Int) {
        var request = template
        let readable = rows.indices.filter { (try? rows[$0].text.get()) != nil }
        request.inputs = readable.map { .text(try! rows[$0].text.get()) }
        let response = try embed(request)
        var results: [RowResult] = rows.map { row in row.text.map { _ in EmbeddingResult.empty } }
        for (k, i) in readable.enumerated() {
            results[i] = response.results[k].mapError { InputError("\(rows[i].place(file)): \($0.reason.description)") }
        }
        return (results, response.tokens)
    }
}

extension EmbeddingResult {
    /// A placeholder, replaced by every readable row's result.
    static let empty = EmbeddingResult(vectors: [], integers: nil, chunks: [], truncated: false, tokens: 0)
}

/// Rows that had no result, reported once every result is written.
struct RowFailures {
    private(set) var count = 0
    private(set) var rows = 0

    /// Counts `results` and prints each failure on stderr.
    mutating func note(_ results: [RowResult]) {
        rows += results.count
        for case .failure(let error) in results {
            count += 1
            Console.error(error.description)
        }
    }

    /// Exit status 1, after everything was written, when any row failed.
    func finish() throws {
        guard count > 0 else { return }
        Console.error("\(count) of \(rows) inputs failed (each is written as {\"error\": ...} in its place)")
        throw ExitCode(1)
    }
}
