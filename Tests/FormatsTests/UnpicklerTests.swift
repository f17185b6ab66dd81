import Foundation
import Testing
import EmbedKitFormats

/// The restricted unpickler on hand-built pickles: hostile globals are refused by name before
/// anything runs, damaged pickles give `malformed`, limits hold.
@Suite struct UnpicklerTests {
    /// Storages for the 2_Dense pickle (`dense_data.pkl`): data/0 has 7168 floats, data/1 has 112.
    static func denseStorage(_ key: String) -> Data? {
        switch key {
        case "0": return Data(count: 7168 * 4)
        case "1": return Data(count: 112 * 4)
        default: return nil
        }
    }

    static func load(_ pickle: [UInt8], storage: (String) -> Data? = { _ in nil }) throws -> TensorStore {
        try PyTorchArchive.stateDict(pickle: Data(pickle), file: "test.bin", storage: storage).store
    }

    /// `GLOBAL module name` + one string argument + REDUCE: what a malicious checkpoint does.
    static func globalCall(_ module: String, _ name: String, _ argument: String) -> [UInt8] {
        var p: [UInt8] = [0x80, 0x02, 0x63] + Array("\(module)\n\(name)\n".utf8)
        let arg = Array(argument.utf8)
        p += [0x58] + withUnsafeBytes(of: UInt32(arg.count).littleEndian, Array.init) + arg
        p += [0x85, 0x52, 0x2E]  // TUPLE1, REDUCE, STOP
        return p
    }

    @Test func densePickleLoads() throws {
        let store = try Self.load([UInt8](try Fixtures.data("formats/dense_data.pkl")), storage: Self.denseStorage)
        #expect(store.names == ["linear.bias", "linear.weight"])
        #expect(store.tensors["linear.weight"]?.shape == [112, 64])
        #expect(store.tensors["linear.bias"]?.shape == [112])
    }

    @Test(arguments: [
        ("os", "system"), ("posix", "system"), ("nt", "system"), ("builtins", "eval"), ("builtins", "exec"),
        ("__builtin__", "eval"), ("subprocess", "Popen"), ("torch", "load"), ("collections", "OrderedDictX"),
        ("torch._utils", "_rebuild_tensor_v2.__globals__"),
    ])
    func forbiddenGlobalIsRefusedBeforeAnythingRuns(module: String, name: String) throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("pwned-\(UUID().uuidString)")
        let pickle = Self.globalCall(module, name, "touch \(marker.path)")
        expectFormatError(.unsupported, mentioning: ["'\(module).\(name)'", "test.bin", "nothing was executed"]) {
            try Self.load(pickle)
        }
        #expect(!FileManager.default.fileExists(atPath: marker.path))
    }

    @Test func forbiddenStackGlobalIsRefused() {
        // Protocol 4 style: SHORT_BINUNICODE 'os', SHORT_BINUNICODE 'system', STACK_GLOBAL.
        var p: [UInt8] = [0x80, 0x04, 0x8C, 2] + Array("os".utf8) + [0x8C, 6] + Array("system".utf8) + [0x93]
        p += [0x8C, 4] + Array("true".utf8) + [0x85, 0x52, 0x2E]
        expectFormatError(.unsupported, mentioning: ["'os.system'"]) { try Self.load(p) }
    }

    @Test func storageTagCannotBeCalled() {
        expectFormatError(.unsupported, mentioning: ["torch.FloatStorage", "cannot be called"]) {
            try Self.load(Self.globalCall("torch", "FloatStorage", "x"))
        }
    }

    @Test func opcodesOutsideTheSubsetAreRefused() {
        // INST ('i'), OBJ ('o'), NEWOBJ (0x81), EXT1 (0x82), PERSID ('P', text form), STRING ('S').
        for op: UInt8 in [0x69, 0x6F, 0x81, 0x82, 0x50, 0x53] {
            let hex = String(op, radix: 16, uppercase: true)
            expectFormatError(.unsupported, mentioning: ["opcode 0x\(hex) at byte 2"]) { try Self.load([0x80, 0x02, op, 0x2E]) }
        }
    }

    @Test func reduceOnNonCallableIsRefused() {
        // EMPTY_DICT, EMPTY_TUPLE, REDUCE.
        expectFormatError(.unsupported, mentioning: ["REDUCE"]) { try Self.load([0x80, 0x02, 0x7D, 0x29, 0x52, 0x2E]) }
    }

    @Test func persistentIdMustBeAStorage() {
        // BINPERSID on ('file', '/etc/passwd').
        var p: [UInt8] = [0x80, 0x02, 0x28]
        for s in ["file", "/etc/passwd"] { p += [0x8C, UInt8(s.utf8.count)] + Array(s.utf8) }
        p += [0x74, 0x51, 0x2E]
        expectFormatError(.unsupported, mentioning: ["persistent id"]) { try Self.load(p) }
    }

    @Test func topLevelMustBeAStateDict() {
        expectFormatError(.unsupported, mentioning: ["not a state_dict"]) { try Self.load([0x80, 0x02, 0x5D, 0x2E]) }
        // {'epoch': 3}: a dict whose value is not a tensor.
        let p: [UInt8] = [0x80, 0x02, 0x7D, 0x8C, 5] + Array("epoch".utf8) + [0x4B, 3, 0x73, 0x2E]
        expectFormatError(.unsupported, mentioning: ["'epoch'", "not a tensor"]) { try Self.load(p) }
    }

    /// Storages of views.bin / views_protocol4.bin, by key (bytes from the archives).
    static func viewsStorage(_ key: String) -> Data? {
        let sizes = ["0": 96, "1": 12, "2": 12, "3": 6, "4": 8, "5": 40, "6": 0, "7": 4]
        return sizes[key].map { Data(count: $0) }
    }

    static let realPickles: [(file: String, storage: @Sendable (String) -> Data?)] = [
        ("formats/dense_data.pkl", denseStorage),
        ("formats/views_data.pkl", viewsStorage),
        ("formats/views_protocol4_data.pkl", viewsStorage),
    ]

    @Test func realPicklesLoad() throws {
        for (file, storage) in Self.realPickles {
            let (store, skipped) = try PyTorchArchive.stateDict(pickle: try Fixtures.data(file), file: file, storage: storage)
            #expect(!store.tensors.isEmpty, "\(file)")
            #expect(skipped == (file.hasPrefix("formats/views") ? ["position_ids"] : []), "\(file)")
        }
    }

    /// Every proper prefix of a real state_dict pickle is reported as truncated.
    @Test func everyTruncationIsMalformed() throws {
        for (file, storage) in Self.realPickles {
            let full = [UInt8](try Fixtures.data(file))
            for length in 0..<full.count {
                expectFormatError(.malformed, mentioning: ["truncated"]) {
                    try Self.load(Array(full.prefix(length)), storage: storage)
                }
            }
        }
    }

    /// Every single-byte mutation of a real pickle either still loads or gives a FormatError.
    @Test func mutationsNeverCrash() throws {
        for (file, storage) in Self.realPickles {
            let full = [UInt8](try Fixtures.data(file))
            var refused = 0
            for position in full.indices {
                for mask: UInt8 in [0x01, 0xFF] {
                    var p = full
                    p[position] ^= mask
                    do {
                        _ = try Self.load(p, storage: storage)
                    } catch {
                        refused += 1
                        #expect(kind(of: error) != nil, "\(file) byte \(position) ^ \(mask): \(error)")
                    }
                }
            }
            #expect(refused > full.count, "\(file)")
        }
    }

    @Test func wrongStorageSize() throws {
        let pickle = [UInt8](try Fixtures.data("formats/dense_data.pkl"))
        expectFormatError(.malformed, mentioning: ["storage '0'", "28668 bytes", "needs 28672"]) {
            try Self.load(pickle) { key in key == "0" ? Data(count: 7168 * 4 - 4) : Self.denseStorage(key) }
        }
        expectFormatError(.malformed, mentioning: ["data/1", "missing"]) {
            try Self.load(pickle) { key in key == "0" ? Self.denseStorage(key) : nil }
        }
    }

    /// `{'w': _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', numel), offset, size,
    /// stride, False, OrderedDict())}`, as torch writes it (ints as BININT).
    static func viewPickle(numel: Int, offset: Int, size: [Int], stride: [Int]) -> [UInt8] {
        func int(_ v: Int) -> [UInt8] { [0x4A] + withUnsafeBytes(of: Int32(v).littleEndian, Array.init) }
        func ints(_ vs: [Int]) -> [UInt8] { [0x28] + vs.flatMap(int) + [0x74] }
        var p: [UInt8] = [0x80, 0x02, 0x7D, 0x8C, 1, 0x77]
        p += [0x63] + Array("torch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28]
        p += [0x28, 0x8C, 7] + Array("storage".utf8) + [0x63] + Array("torch\nFloatStorage\n".utf8)
        p += [0x8C, 1, 0x30, 0x8C, 3] + Array("cpu".utf8) + int(numel) + [0x74, 0x51]
        p += int(offset) + ints(size) + ints(stride) + [0x89]
        p += [0x63] + Array("collections\nOrderedDict\n".utf8) + [0x29, 0x52, 0x74, 0x52, 0x73, 0x2E]
        return p
    }

    static func floats(_ values: [Float]) -> Data { values.withUnsafeBufferPointer { Data(buffer: $0) } }

    @Test func viewsBySizeStrideAndOffset() throws {
        let storage = Self.floats([10, 11, 12, 13, 14, 15])
        func w(_ offset: Int, _ size: [Int], _ stride: [Int]) throws -> [Float]? {
            try Self.load(Self.viewPickle(numel: 6, offset: offset, size: size, stride: stride)) { _ in storage }
                .tensors["w"]?.floats()
        }
        #expect(try w(1, [3], [1]) == [11, 12, 13])
        #expect(try w(0, [2, 3], [3, 1]) == [10, 11, 12, 13, 14, 15])
        #expect(try w(0, [3, 2], [1, 3]) == [10, 13, 11, 14, 12, 15])  // transpose
        #expect(try w(0, [2, 2], [3, 2]) == [10, 12, 13, 15])  // elements 0, 2, 3, 5
        #expect(try w(5, [2, 3], [0, 0]) == [15, 15, 15, 15, 15, 15])  // broadcast
        #expect(try w(0, [0, 5], [5, 1]) == [])
    }

    /// LONG1 integers (torch writes them for counts ≥ 2^31), including sign extension.
    @Test func long1Integers() throws {
        let base = Self.viewPickle(numel: 6, offset: 7, size: [2], stride: [1])
        // Replace BININT 6 (numel) and BININT 7 (offset) by LONG1 forms.
        func replacing(_ p: [UInt8], _ old: [UInt8], _ new: [UInt8]) -> [UInt8] {
            let i = p.indices.first { Array(p[$0 ..< min($0 + old.count, p.count)]) == old }!
            return Array(p[..<i]) + new + Array(p[(i + old.count)...])
        }
        let numel6: [UInt8] = [0x4A, 6, 0, 0, 0], offset7: [UInt8] = [0x4A, 7, 0, 0, 0]
        let storage = Self.floats([10, 11, 12, 13, 14, 15])
        let p = replacing(replacing(base, numel6, [0x8A, 1, 6]), offset7, [0x8A, 2, 3, 0])
        #expect(try Self.load(p) { _ in storage }.tensors["w"]?.floats() == [13, 14])
        // 0xFF as a 1-byte LONG1 is -1: a negative storage offset.
        let negative = replacing(replacing(base, numel6, [0x8A, 1, 6]), offset7, [0x8A, 1, 0xFF])
        expectFormatError(.malformed, mentioning: ["storage_offset"]) { try Self.load(negative) { _ in storage } }
        // A 9-byte LONG1 does not fit.
        let wide = replacing(base, numel6, [0x8A, 9] + Array(repeating: 1, count: 9))
        expectFormatError(.unsupported, mentioning: ["LONG1"]) { try Self.load(wide) { _ in storage } }
    }

    /// A tensor view reaching past the end of its storage is refused.
    @Test func viewOutsideStorage() {
        expectFormatError(.malformed, mentioning: ["'w'", "reaches element 4", "storage '0'"]) {
            try Self.load(Self.viewPickle(numel: 4, offset: 2, size: [3], stride: [1])) { _ in Data(count: 16) }
        }
        expectFormatError(.malformed, mentioning: ["'w'", "reaches element"]) {
            try Self.load(Self.viewPickle(numel: 6, offset: 0, size: [3, 2], stride: [1, 5])) { _ in Data(count: 24) }
        }
    }

    /// A broadcast view naming far more elements than its storage is refused, not allocated.
    @Test func hugeBroadcastViewIsRefused() {
        expectFormatError(.malformed, mentioning: ["'w'", "broadcast view"]) {
            try Self.load(Self.viewPickle(numel: 1, offset: 0, size: [1 << 30, 1 << 30], stride: [0, 0])) { _ in Data(count: 4) }
        }
    }

    @Test func memoAndStackMisuse() {
        // BINGET of a memo slot never stored.
        expectFormatError(.malformed, mentioning: ["memo index 7"]) { try Self.load([0x80, 0x02, 0x68, 7, 0x2E]) }
        // TUPLE without MARK; SETITEM on an empty stack; STOP with two values.
        expectFormatError(.malformed, mentioning: ["MARK"]) { try Self.load([0x80, 0x02, 0x74, 0x2E]) }
        expectFormatError(.malformed, mentioning: ["underflow"]) { try Self.load([0x80, 0x02, 0x73, 0x2E]) }
        expectFormatError(.malformed, mentioning: ["STOP"]) { try Self.load([0x80, 0x02, 0x29, 0x29, 0x2E]) }
        // A string length larger than the rest of the pickle.
        expectFormatError(.malformed, mentioning: ["truncated"]) { try Self.load([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x61]) }
    }

    @Test func nestingDepthIsLimited() {
        // 100 nested 1-tuples.
        let tuples: [UInt8] = [0x80, 0x02, 0x29] + Array(repeating: 0x85, count: 100) + [0x2E]
        expectFormatError(.malformed, mentioning: ["nested deeper"]) { try Self.load(tuples) }
        // 100 lists, each appended into the one below it.
        let lists: [UInt8] = [0x80, 0x02] + Array(repeating: 0x5D, count: 100) + Array(repeating: 0x61, count: 99) + [0x2E]
        expectFormatError(.malformed, mentioning: ["nested deeper"]) { try Self.load(lists) }
    }

    @Test func selfReferenceTerminates() {
        // l = []; l.append(l) via the memo, then STOP: refused as not a state_dict, cycle released.
        let p: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0, 0x68, 0, 0x61, 0x2E]
        expectFormatError(.unsupported, mentioning: ["not a state_dict"]) { try Self.load(p) }
    }

    @Test func stackSizeIsLimited() {
        let p: [UInt8] = [0x80, 0x02] + Array(repeating: 0x4E, count: (1 << 20) + 1) + [0x2E]
        expectFormatError(.malformed, mentioning: ["stack exceeds"]) { try Self.load(p) }
    }
}
