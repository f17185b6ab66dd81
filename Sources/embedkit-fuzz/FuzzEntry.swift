import EmbedKitFuzzHarness
import Foundation

// Built with `-sanitize=fuzzer -DFUZZING` (scripts/fuzz.sh): hands control to libFuzzer's driver on the
// target named by EMBEDKIT_FUZZ_TARGET (libFuzzer's own flags and corpus folders as arguments).
// Built normally: replays files through a target, `embedkit-fuzz TARGET FILE_OR_DIR...` (a crash the
// fuzzer found, reproduced without libFuzzer).

#if FUZZING
private let fuzzTarget = ProcessInfo.processInfo.environment["EMBEDKIT_FUZZ_TARGET"] ?? "safetensors"

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

private func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    FuzzHarness.run(fuzzTarget, bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}
#endif

@main
struct FuzzEntry {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { bytes, count in fuzzOneInput(bytes, count) })
        #else
        replay(Array(CommandLine.arguments.dropFirst()))
        #endif
    }

    static func replay(_ args: [String]) {
        guard let target = args.first, FuzzHarness.targets.contains(target), args.count > 1 else {
            FileHandle.standardError.write(Data("usage: embedkit-fuzz TARGET FILE_OR_DIR... (targets: \(FuzzHarness.targets.joined(separator: ", ")))\n".utf8))
            exit(2)
        }
        var files: [String] = []
        for path in args.dropFirst() {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { continue }
            if isDir.boolValue {
                files += ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
            } else {
                files.append(path)
            }
        }
        for file in files { FuzzHarness.run(target, FileManager.default.contents(atPath: file) ?? Data()) }
        FuzzHarness.removeScratch()
        print("\(target): \(files.count) inputs replayed")
    }
}
