import Foundation

/// Where every test target finds its data: the package's own `Tests/Fixtures`, and `../shared` beside
/// the package (real weights, STS-B, mteb's reference outputs), found from this file's path. Nothing
/// else: no absolute path of any machine. Tests that need `../shared` use `.enabled(if:)` with these,
/// so the test framework reports them as skipped where it is absent.
public enum FixtureLocator {
    /// The package root.
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/<relative>` of the package (always present).
    public static func local(_ relative: String) -> URL {
        packageRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative)
    }

    /// `../shared`, when it is there.
    public static let shared: URL? = {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }()

    /// `../shared/<relative>`, when that file or folder exists.
    public static func shared(_ relative: String) -> URL? {
        guard let url = shared?.appendingPathComponent(relative),
              FileManager.default.fileExists(atPath: url.path) else { return nil }
        return url
    }

    /// A model fixture with golden.json: the package's own tiny models first, else `../shared/fixtures`.
    public static func model(_ name: String) -> URL? {
        let local = local(name)
        if FileManager.default.fileExists(atPath: local.appendingPathComponent("golden.json").path) { return local }
        return shared("fixtures/\(name)/golden.json")?.deletingLastPathComponent()
    }

    /// The real all-MiniLM-L6-v2 weights of `../shared/fixtures`.
    public static let miniLM: URL? = model("all-MiniLM-L6-v2")

    /// `../shared/data/sts`.
    public static let sts: URL? = shared("data/sts")

    /// `../shared/mteb-reference`.
    public static let mtebReference: URL? = shared("mteb-reference/reference.json")?.deletingLastPathComponent()
}
