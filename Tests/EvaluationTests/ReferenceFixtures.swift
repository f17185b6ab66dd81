import Foundation
import EmbedKitEvaluation
import Testing
import EmbedKitTestFixtures

/// mteb 1.1.1's outputs on fixed synthetic embeddings: <package>/../shared/mteb-reference.
/// `fixtures.json` holds the inputs (text → float32 embedding, per-task data), `reference.json` mteb's outputs.
final class ReferenceFixtures: @unchecked Sendable {
    let fixtures: [String: Any]
    let reference: [String: Any]
    let embeddings: [String: [Float]]

    static let directory: URL? = FixtureLocator.mtebReference

    static let missingMessage: Comment = "needs ../shared/mteb-reference"
    static var available: Bool { shared != nil }

    /// Loaded once per test process; nil when the shared folder is absent.
    static let shared: ReferenceFixtures? = {
        guard let dir = directory,
              let f = try? Data(contentsOf: dir.appendingPathComponent("fixtures.json")),
              let r = try? Data(contentsOf: dir.appendingPathComponent("reference.json")),
              let fx = (try? JSONDecoder().decode(JSONAny.self, from: f))?.value as? [String: Any],
              let ref = (try? JSONDecoder().decode(JSONAny.self, from: r))?.value as? [String: Any],
              let emb = fx["embeddings"] as? [String: Any]
        else { return nil }
        return ReferenceFixtures(fixtures: fx, reference: ref, embeddings: emb.mapValues { asDoubles($0).map { Float($0) } })
    }()

    private init(fixtures: [String: Any], reference: [String: Any], embeddings: [String: [Float]]) {
        self.fixtures = fixtures
        self.reference = reference
        self.embeddings = embeddings
    }

    /// A cache whose embedding function looks texts up in the fixture table.
    func cache() -> EmbeddingCache {
        let table = embeddings
        return EmbeddingCache { texts in texts.map { table[$0]! } }
    }

    func vectors(_ texts: [String]) -> [[Float]] { texts.map { embeddings[$0]! } }

    /// reference.json value at a dotted path.
    func ref(_ path: String) -> Any? { Self.lookup(reference, path) }
    func fx(_ path: String) -> Any? { Self.lookup(fixtures, path) }

    func refDouble(_ path: String) -> Double { asDouble(ref(path) as Any) }
    func refDoubles(_ path: String) -> [Double] { asDoubles(ref(path) as Any) }
    func fxDoubles(_ path: String) -> [Double] { asDoubles(fx(path) as Any) }

    static func lookup(_ root: Any, _ path: String) -> Any? {
        var cur: Any? = root
        for key in path.split(separator: ".") {
            cur = (cur as? [String: Any])?[String(key)]
        }
        return cur
    }
}

/// Records |got − want| per metric and prints a table, so the test log reports every agreement figure.
struct Agreement {
    let title: String
    var rows: [(String, Double, Double)] = []

    init(_ title: String) { self.title = title }

    mutating func add(_ name: String, got: Double, want: Double) { rows.append((name, got, want)) }

    var maxDifference: Double { rows.map { abs($0.1 - $0.2) }.max() ?? 0 }

    func report() {
        print("== \(title)")
        for (n, g, w) in rows {
            print("  \(n.padding(toLength: 34, withPad: " ", startingAt: 0)) mteb=\(w) swift=\(g) |d|=\(abs(g - w))")
        }
    }
}

/// Any JSON value, decoded with JSONDecoder (which parses doubles exactly; JSONSerialization on Linux does not).
/// Integers become Int, other numbers Double.
struct JSONAny: Decodable {
    let value: Any

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = NSNull() }
        else if let b = try? c.decode(Bool.self) { value = b }
        else if let i = try? c.decode(Int.self) { value = i }
        else if let d = try? c.decode(Double.self) { value = d }
        else if let s = try? c.decode(String.self) { value = s }
        else if let a = try? c.decode([JSONAny].self) { value = a.map(\.value) }
        else { value = try c.decode([String: JSONAny].self).mapValues(\.value) }
    }
}

func asDouble(_ v: Any) -> Double {
    if let d = v as? Double { return d }
    if let i = v as? Int { return Double(i) }
    return .nan
}

func asDoubles(_ v: Any) -> [Double] { (v as? [Any] ?? []).map(asDouble) }
