import Foundation

/// mteb 1.1.1's results file: `<folder>/<TaskName>.json` =
/// `{"mteb_version", "dataset_revision", "mteb_dataset_name", "<split>": {scores…, "evaluation_time"}}`.
/// As in 1.1.1, only classification scores carry a `main_score` key.
public enum MTEBResults {
    public static let version = "1.1.1"

    public static func document(taskName: String, split: String, taskType: String, scores: ResultJSON,
                                evaluationTime: Double, datasetRevision: String? = nil) -> ResultJSON {
        var fields: [(String, ResultJSON)] = []
        if case .object(let f) = scores { fields = f.filter { taskType == "classification" || $0.0 != "main_score" } }
        fields.append(("evaluation_time", .number(pythonRound(evaluationTime, digits: 2))))
        return .object([
            ("mteb_version", .string(version)),
            ("dataset_revision", datasetRevision.map(ResultJSON.string) ?? .null),
            ("mteb_dataset_name", .string(taskName)),
            (split, .object(fields)),
        ])
    }

    /// Writes the document to `<folder>/<taskName>.json`, creating the folder; returns the file path.
    @discardableResult
    public static func save(_ document: ResultJSON, taskName: String, folder: String) throws -> String {
        let dir = URL(fileURLWithPath: folder)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let file = dir.appendingPathComponent("\(taskName).json")
            try Data((document.serialized(indent: 2) + "\n").utf8).write(to: file)
            return file.path
        } catch {
            throw EvaluationError.invalidOption("cannot write results to \(folder): \(error.localizedDescription)")
        }
    }

    /// "key  value" lines of a (nested) result, for the human-readable table.
    public static func table(_ scores: ResultJSON) -> [(String, Double)] {
        var out: [(String, Double)] = []
        func walk(_ v: ResultJSON, _ prefix: String) {
            switch v {
            case .object(let f): for (k, x) in f { walk(x, prefix.isEmpty ? k : prefix + "." + k) }
            default: if let d = v.double { out.append((prefix, d)) }
            }
        }
        walk(scores, "")
        return out
    }
}
