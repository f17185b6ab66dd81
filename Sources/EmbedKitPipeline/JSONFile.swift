import Foundation

/// Reads small JSON config files with errors that name the file.
public enum JSONFile {
    /// The object in `url`; nil when the file is absent.
    public static func object(_ url: URL) throws -> [String: Any]? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PipelineError.invalidFile(file: url.path, reason: "cannot read the file")
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw PipelineError.invalidFile(file: url.path, reason: "not a JSON object")
        }
        return obj
    }

    static func array(_ url: URL) throws -> [[String: Any]]? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let data = FileManager.default.contents(atPath: url.path),
              let arr = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
            throw PipelineError.invalidFile(file: url.path, reason: "not a JSON array of objects")
        }
        return arr
    }
}
