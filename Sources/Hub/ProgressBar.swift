import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line download progress bar on stderr, drawn only when stderr is a terminal.
/// Pass `ProgressBar.callback()` as `HubClient.snapshot`'s progress.
public final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let label: String
    private var lastDraw: Double = 0
    private var drawn = false
    private let enabled: Bool

    public init(label: String, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.enabled = enabled
    }

    /// The progress callback, or nil when stderr is not a terminal.
    public func callback() -> (@Sendable (Int64, Int64?) -> Void)? {
        guard enabled else { return nil }
        return { [self] done, total in self.update(done: done, total: total) }
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
            line += "\(Self.format(done)) / \(Self.format(total)) \(Int(fraction * 100))%"
        } else {
            line += Self.format(done)
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
