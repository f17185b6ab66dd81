import ArgumentParser
import EmbedKit
import Foundation

extension EmbeddingModel {
    /// Runs the readable rows as one request shaped by `template` (its inputs are replaced): per row, its
    /// result or its error named by `file:line`, so one bad row never takes the others with it. A wrong
    /// option fails the whole call. Also returns the tokens the model read.
    func embed(_ rows: [InputRow], _ template: EmbeddingRequest, file: String?) throws -> (results: [RowResult], tokens: Int) {
        var request = template
        request.inputs = rows.compactMap { try? $0.text.get() }.map(EmbeddingInput.text)
        let response = try embed(request)
        var answers = response.results.makeIterator()
        let results = rows.map { row in
            row.text.flatMap { _ in answers.next()!.mapError { InputError("\(row.place(file)): \($0.reason.description)") } }
        }
        return (results, response.tokens)
    }
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
