import Foundation

/// Progress of a long job on stderr: on a terminal, one line redrawn in place (rows, tokens/s, ETA);
/// otherwise a plain line every `interval` seconds (logs, CI, `nohup`).
final class JobProgress {
    private let label: String
    private let total: Int
    private let terminal: Bool
    private let interval: Double
    private let start = DispatchTime.now().uptimeNanoseconds
    private let startRows: Int
    private var lastLine: UInt64 = 0
    private var drawn = false

    init(label: String, total: Int, done: Int, terminal: Bool = Console.isTerminal, interval: Double = 10) {
        self.label = label
        self.total = total
        self.startRows = done
        self.terminal = terminal
        self.interval = interval
        lastLine = start
    }

    var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// Reports `rows` done of all (this run's `tokens` so far).
    func update(rows: Int, tokens: Int, force: Bool = false) {
        let now = DispatchTime.now().uptimeNanoseconds
        let wait = terminal ? 0.2 : interval
        guard force || Double(now - lastLine) / 1e9 >= wait else { return }
        lastLine = now
        let elapsed = max(seconds, 1e-9)
        let rate = Double(rows - startRows) / elapsed
        var line = "\(label): \(rows)/\(total) rows (\(total > 0 ? rows * 100 / total : 100)%)"
        line += ", \(Int(Double(tokens) / elapsed)) tokens/s"
        if rows < total && rate > 0 { line += ", ETA " + Self.duration(Double(total - rows) / rate) }
        if terminal {
            FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
            drawn = true
        } else {
            Console.error(line)
        }
    }

    /// Ends the terminal line.
    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)); drawn = false }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" }
        if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }
}
