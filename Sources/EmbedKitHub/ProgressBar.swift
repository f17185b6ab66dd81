import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line progress bar on stderr, drawn only when stderr is a terminal: bytes of a download
/// (`callback()`, as `HubClient.snapshot`'s progress) or items of a long job (`itemCallback()`, as
/// `EncodeOptions.progress`).
public final class ProgressBar: @unchecked Sendable {
    /// What is counted.
    public enum Unit: Sendable {
        case bytes
        /// Items, named (e.g. "texts").
        case items(String)
    }

    private let lock = NSLock()
    private let label: String
    private let unit: Unit
    private var lastDraw: Double = 0
    private var drawn = false
    private let enabled: Bool

    public init(label: String, unit: Unit = .bytes, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.unit = unit
        self.enabled = enabled
    }

    /// The progress callback, or nil when stderr is not a terminal.
    public func callback() -> (@Sendable (Int64, Int64?) -> Void)? {
        guard enabled else { return nil }
        return { [self] done, total in self.update(done: done, total: total) }
    }

    /// A (done, total) callback counting items, or nil when stderr is not a terminal; it ends the line
    /// when done reaches total.
    public func itemCallback() -> (@Sendable (Int, Int) -> Void)? {
        guard enabled else { return nil }
        return { [self] done, total in
            self.update(done: Int64(done), total: Int64(total))
            if done >= total { self.finish() }
        }
    }

    private func format(_ n: Int64) -> String {
        switch unit {
        case .bytes: return Self.format(n)
        case .items: return "\(n)"
        }
    }

    public func update(done: Int64, total: Int64?) {
        lock.lock(); defer { lock.unlock() }
        let now = Date().timeIntervalSince1970
        let finished = total.map { done >= $0 } ?? false
        guard finished || now - lastDraw >= 0.1 else { return }
        lastDraw = now
        drawn = true
        var line = "\r\(label) "
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] "
            line += "\(format(done)) / \(format(total))"
            if case .items(let name) = unit { line += " " + name }
            line += " \(Int(fraction * 100))%"
        } else {
            line += format(done)
        }
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    /// Ends the line if anything was drawn.
    public func finish() {
        lock.lock(); defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)); drawn = false }
    }

    /// Bytes as B, kB, MB, GB (decimal units, as the Hub shows sizes).
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
