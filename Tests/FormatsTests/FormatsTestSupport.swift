import Foundation
import Testing
import EmbedKitFormats
import EmbedKitTestFixtures

/// Locations of the fixtures, found from this file's path.
enum Fixtures {
    static let root = FixtureLocator.local("")

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func data(_ relative: String) throws -> Data { try Data(contentsOf: url(relative)) }

    /// The real all-MiniLM-L6-v2 in `../shared/fixtures`.
    static let miniLM: URL? = FixtureLocator.shared("fixtures/all-MiniLM-L6-v2/model.safetensors")?.deletingLastPathComponent()

    /// `body` given a fresh temporary file holding `bytes`; the file is removed after.
    static func withTemporaryFile<T>(_ bytes: Data, name: String = "weights.bin", _ body: (URL) throws -> T) throws -> T {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(name)
        try bytes.write(to: url)
        return try body(url)
    }

    /// A fresh temporary directory (the caller removes it).
    static func temporaryDirectory() -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("FormatsTests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Tests/Fixtures/formats/reference.json, written by scripts/formats_reference.py from torch /
/// safetensors / numpy.
struct Reference: Decodable {
    struct TensorInfo: Decodable {
        let dtype: String
        let shape: [Int]
        let sum: Double
        let sumAbs: Double
        /// [flat index, value] pairs.
        let samples: [[Double]]
        let values: [Double]?
    }

    struct FileInfo: Decodable {
        let tensors: [String: TensorInfo]
        let skipped: [String]
    }

    let files: [String: FileInfo]

    static func file(_ relative: String) throws -> FileInfo {
        let data = try Fixtures.data("formats/reference.json")
        let all = try JSONDecoder().decode(Reference.self, from: data)
        return try #require(all.files[relative], "reference.json has no entry for \(relative)")
    }
}

/// Checks every tensor of `store` against the reference: the same names, shapes and dtypes, the
/// sampled values exactly, and the float64 sums to the rounding of the summation order.
func expectMatches(_ store: TensorStore, _ reference: Reference.FileInfo, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(Set(store.names) == Set(reference.tensors.keys), sourceLocation: sourceLocation)
    for (name, ref) in reference.tensors {
        guard let t = store.tensors[name] else { continue }
        #expect(t.shape == ref.shape, "\(name) shape", sourceLocation: sourceLocation)
        #expect(t.dtype.rawValue == ref.dtype, "\(name) dtype", sourceLocation: sourceLocation)
        #expect(t.bytes.count == ref.shape.reduce(1, *) * t.dtype.byteSize, "\(name) byte count", sourceLocation: sourceLocation)
        let v = t.floats()
        for s in ref.samples {
            let i = Int(s[0])
            guard i < v.count else {
                Issue.record("\(name): no value at \(i)", sourceLocation: sourceLocation)
                continue
            }
            #expect(Double(v[i]) == s[1], "\(name)[\(i)]", sourceLocation: sourceLocation)
        }
        if let all = ref.values {
            #expect(v.map(Double.init) == all, "\(name) values", sourceLocation: sourceLocation)
        }
        let sum = v.reduce(0.0) { $0 + Double($1) }
        let sumAbs = v.reduce(0.0) { $0 + abs(Double($1)) }
        let tolerance = 1e-9 * max(1, ref.sumAbs)
        #expect(abs(sum - ref.sum) <= tolerance, "\(name) sum \(sum) vs \(ref.sum)", sourceLocation: sourceLocation)
        #expect(abs(sumAbs - ref.sumAbs) <= tolerance, "\(name) sumAbs", sourceLocation: sourceLocation)
    }
}

enum FormatErrorKind: Equatable {
    case fileNotFound, malformed, unsupported, missingTensor, shapeMismatch
}

/// The case of a thrown error, or nil when it is not a `FormatError`.
func kind(of error: Error) -> FormatErrorKind? {
    switch error as? FormatError {
    case .fileNotFound?: return .fileNotFound
    case .malformed?: return .malformed
    case .unsupported?: return .unsupported
    case .missingTensor?: return .missingTensor
    case .shapeMismatch?: return .shapeMismatch
    case nil: return nil
    }
}

/// Runs `body`, which must throw a `FormatError` of `kind` whose message contains every string
/// in `mentions`. Any other outcome (success, another error) is recorded as an issue.
func expectFormatError<T>(
    _ expected: FormatErrorKind, mentioning mentions: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T
) {
    do {
        _ = try body()
        Issue.record("expected FormatError.\(expected), but it succeeded", sourceLocation: sourceLocation)
    } catch {
        #expect(kind(of: error) == expected, "\(error)", sourceLocation: sourceLocation)
        for m in mentions {
            #expect("\(error)".contains(m), "message lacks '\(m)': \(error)", sourceLocation: sourceLocation)
        }
    }
}
