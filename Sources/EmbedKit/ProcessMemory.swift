import Foundation
#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif

/// This process's memory — /proc/self/status on Linux, the Mach task's basic info on Apple platforms
/// (nil elsewhere) — and the machine's limit for it.
public enum ProcessMemory {
    /// Resident now (Linux VmRSS).
    public static var resident: Int? { read(.resident) }
    /// The resident high-water mark of this process since it started (Linux VmHWM).
    public static var peak: Int? { read(.peak) }

    private enum Measure { case resident, peak }

    /// `peak` (this program's own memory; getrusage's ru_maxrss also counts what the parent held before
    /// exec), else ru_maxrss (bytes on Darwin, KiB on Linux).
    public static var peakBytes: Int {
        if let peak { return peak }
        var usage = rusage()
        #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #else
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
        #endif
    }

    #if canImport(Darwin)
    /// From the Mach task's basic info.
    private static func read(_ measure: Measure) -> Int? {
        var info = mach_task_basic_info()
        var count = mach_msg_type_number_t(MemoryLayout<mach_task_basic_info>.size / MemoryLayout<natural_t>.size)
        let result = withUnsafeMutablePointer(to: &info) {
            $0.withMemoryRebound(to: integer_t.self, capacity: Int(count)) {
                task_info(mach_task_self_, task_flavor_t(MACH_TASK_BASIC_INFO), $0, &count)
            }
        }
        guard result == KERN_SUCCESS else { return nil }
        return Int(clamping: measure == .resident ? info.resident_size : info.resident_size_max)
    }
    #else
    /// From /proc/self/status (VmRSS, VmHWM), in bytes.
    private static func read(_ measure: Measure) -> Int? {
        let key = measure == .resident ? "VmRSS:" : "VmHWM:"
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
              let kib = Int(line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") else { return nil }
        return kib * 1024
    }
    #endif

    /// The memory this process may use: the cgroup's limit (v2 `memory.max`, v1
    /// `memory.limit_in_bytes`; Linux only) if set, else physical RAM; with where it came from.
    public static func available() -> (bytes: Int, source: String) {
        let ram = Int(ProcessInfo.processInfo.physicalMemory)
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let raw = try? String(contentsOfFile: path, encoding: .utf8),
               let bytes = Int(raw.trimmingCharacters(in: .whitespacesAndNewlines)), bytes > 0, bytes < ram {
                return (bytes, "cgroup limit \(path)")
            }
        }
        return (ram, "physical memory")
    }

    /// `--max-memory`'s default: 80 % of what the process may use.
    public static func defaultLimit() -> (bytes: Int, source: String) {
        let (bytes, source) = available()
        return (bytes / 5 * 4, "80% of the \(source) (\(bytes >> 20) MiB)")
    }
}
