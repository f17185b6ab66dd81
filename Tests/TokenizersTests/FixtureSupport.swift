import Foundation
import EmbedKitTestFixtures

/// Locates the test fixtures and reads golden.json.
enum Fixtures {
    static let repoRoot = FixtureLocator.packageRoot

    static func folder(_ name: String) -> URL { FixtureLocator.local(name) }

    /// `../shared/fixtures/<name>` (with golden.json); nil when absent.
    static func shared(_ name: String) -> URL? { FixtureLocator.shared("fixtures/\(name)/golden.json")?.deletingLastPathComponent() }

    struct Case { let text: String; let ids: [Int] }
    struct Golden { let maxSeqLength: Int; let cases: [Case]; let short: [Case] }

    static func golden(_ folder: URL) throws -> Golden {
        let data = try Data(contentsOf: folder.appendingPathComponent("golden.json"))
        let d = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        func cases(_ key: String) -> [Case] {
            ((d[key] as? [[String: Any]]) ?? []).map {
                Case(text: $0["text"] as! String, ids: ($0["input_ids"] as! [NSNumber]).map { $0.intValue })
            }
        }
        return Golden(maxSeqLength: (d["max_seq_length"] as! NSNumber).intValue, cases: cases("cases"), short: cases("short_max_len"))
    }

    static func temporaryFolder() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("embedkit-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
}
