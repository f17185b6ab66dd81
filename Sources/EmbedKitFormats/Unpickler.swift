import Foundation

/// A restricted unpickler for the `data.pkl` that `torch.save(state_dict)` writes.
///
/// It knows only the opcodes torch emits for a state_dict (pickle protocol 2, plus FRAME, MEMOIZE,
/// STACK_GLOBAL and the unicode variants of later protocols) and only the globals in `PickleGlobal`.
/// It never imports or calls anything: allow-listed globals are recognised by name and their effect
/// (build an OrderedDict, describe a tensor) is reproduced here. Every read is bounds-checked and
/// the stack, memo and nesting depth are limited, so a hostile or damaged file gives a
/// `FormatError`, never a crash, a hang or an unbounded allocation.
package struct Unpickler {
    package static let maxStack = 1 << 20
    package static let maxMemo = 1 << 20
    package static let maxDepth = 64
    package static let maxStringBytes = 1 << 20

    private let bytes: [UInt8]
    private let file: String
    private let what: String
    private var pos = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Every container created, so that reference cycles can be broken after unpickling.
    private var containers: [AnyObject] = []

    /// - Parameters:
    ///   - file: the file named in errors; `what` names the pickle inside it (e.g. `data.pkl`).
    package init(_ data: Data, file: String, what: String = "data.pkl") {
        self.bytes = [UInt8](data)
        self.file = file
        self.what = what
    }

    /// Runs the pickle and returns the state_dict's entries in file order.
    /// The top-level value must be a dict (or OrderedDict) of string → tensor.
    package mutating func stateDictEntries() throws -> [(name: String, tensor: TorchTensorRef)] {
        defer { releaseContainers() }
        let top = try run()
        guard case .dict(let d) = top else {
            throw unsupported("the pickled object is a \(top.kind), not a state_dict (a dict of tensors)")
        }
        var out: [(name: String, tensor: TorchTensorRef)] = []
        for (k, v) in d.items {
            guard case .string(let name) = k else { throw unsupported("state_dict key of type \(k.kind)") }
            guard case .tensor(let t) = v else {
                throw unsupported("state_dict entry '\(name)' is a \(v.kind), not a tensor (nested checkpoints are not supported)")
            }
            out.append((name, t))
        }
        return out
    }

    /// Runs the pickle to its STOP opcode and returns the top-level value.
    private mutating func run() throws -> PickleValue {
        while true {
            let opPos = pos
            let op = try byte()
            switch op {
            case 0x80: // PROTO
                let v = try byte()
                guard v <= 5 else { throw malformed("pickle protocol \(v) is unknown") }
            case 0x95: // FRAME: an 8-byte frame length; frames are a buffering hint only
                _ = try take(8)
            case 0x7D: // EMPTY_DICT
                let d = PickleDict()
                containers.append(d)
                try push(.dict(d))
            case 0x5D: // EMPTY_LIST
                let l = PickleList()
                containers.append(l)
                try push(.list(l))
            case 0x29: // EMPTY_TUPLE
                try push(.tuple([], depth: 1))
            case 0x28: // MARK
                guard marks.count < Self.maxStack else { throw malformed("too many MARKs") }
                marks.append(stack.count)
            case 0x74: // TUPLE
                let items = try popMark()
                try push(try tuple(items))
            case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
                let n = Int(op - 0x84)
                let items = try pop(n)
                try push(try tuple(items))
            case 0x58: // BINUNICODE
                try push(.string(try string(length: try uint(4))))
            case 0x8C: // SHORT_BINUNICODE
                try push(.string(try string(length: try uint(1))))
            case 0x8D: // BINUNICODE8
                try push(.string(try string(length: try uint(8))))
            case 0x4A: // BININT: signed 32-bit
                try push(.int(Int(Int32(bitPattern: UInt32(try uint(4))))))
            case 0x4B: // BININT1
                try push(.int(try uint(1)))
            case 0x4D: // BININT2
                try push(.int(try uint(2)))
            case 0x8A: // LONG1: n bytes, little-endian two's complement
                let n = try uint(1)
                guard n <= 8 else { throw unsupported("an integer of \(n) bytes (LONG1) does not fit in 64 bits") }
                let raw = try take(n)
                var v: UInt64 = 0
                for (i, b) in raw.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
                if n > 0, n < 8, let top = raw.last, top & 0x80 != 0 { v |= ~UInt64(0) << (8 * UInt64(n)) }
                try push(.int(Int(Int64(bitPattern: v))))
            case 0x89: try push(.bool(false)) // NEWFALSE
            case 0x88: try push(.bool(true)) // NEWTRUE
            case 0x4E: try push(.none) // NONE
            case 0x47: // BINFLOAT: big-endian IEEE double
                let raw = try take(8)
                var bits: UInt64 = 0
                for b in raw { bits = bits << 8 | UInt64(b) }
                try push(.float(Double(bitPattern: bits)))
            case 0x71: try memoize(at: try uint(1)) // BINPUT
            case 0x72: try memoize(at: try uint(4)) // LONG_BINPUT
            case 0x94: try memoize(at: memo.count) // MEMOIZE
            case 0x68: try push(try memoGet(try uint(1))) // BINGET
            case 0x6A: try push(try memoGet(try uint(4))) // LONG_BINGET
            case 0x73: // SETITEM
                let kv = try pop(2)
                try setItems(kv)
            case 0x75: // SETITEMS
                let kv = try popMark()
                try setItems(kv)
            case 0x61: // APPEND
                let v = try pop(1)
                try append(v)
            case 0x65: // APPENDS
                let vs = try popMark()
                try append(vs)
            case 0x62: // BUILD
                let state = try pop(1)[0]
                try build(state: state)
            case 0x63: // GLOBAL: "module\nname\n"
                let module = try line()
                let name = try line()
                try push(.global(try resolve(module: module, name: name)))
            case 0x93: // STACK_GLOBAL
                let mn = try pop(2)
                guard case .string(let module) = mn[0], case .string(let name) = mn[1] else {
                    throw malformed("STACK_GLOBAL needs two strings, found \(mn[0].kind) and \(mn[1].kind)")
                }
                try push(.global(try resolve(module: module, name: name)))
            case 0x52: // REDUCE
                let fa = try pop(2)
                try push(try reduce(callable: fa[0], args: fa[1]))
            case 0x51: // BINPERSID
                let pid = try pop(1)[0]
                try push(.storage(try persistentLoad(pid)))
            case 0x2E: // STOP
                guard stack.count == 1 else {
                    throw malformed("STOP with \(stack.count) values on the stack (expected 1)")
                }
                return stack.removeLast()
            default:
                let hex = String(op, radix: 16, uppercase: true)
                throw unsupported("pickle opcode 0x\(op < 16 ? "0" : "")\(hex) at byte \(opPos) is not part of a torch state_dict")
            }
        }
    }

    // MARK: - Errors

    private func malformed(_ reason: String) -> FormatError {
        .malformed(file: file, reason: "\(what): \(reason)")
    }

    private func unsupported(_ reason: String) -> FormatError {
        .unsupported(file: file, reason: "\(what): \(reason)")
    }

    // MARK: - Reading bytes

    private mutating func byte() throws -> UInt8 {
        guard pos < bytes.count else { throw malformed("truncated: ends at byte \(pos) before STOP") }
        defer { pos += 1 }
        return bytes[pos]
    }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - pos else {
            throw malformed("truncated: needs \(n) bytes at byte \(pos), \(bytes.count - pos) left")
        }
        defer { pos += n }
        return bytes[pos ..< pos + n]
    }

    /// An unsigned little-endian integer of `n` bytes (n ≤ 8), clamped to Int range.
    private mutating func uint(_ n: Int) throws -> Int {
        var v: UInt64 = 0
        for (i, b) in try take(n).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        guard v <= UInt64(Int.max) else { throw malformed("length \(v) is out of range") }
        return Int(v)
    }

    private mutating func string(length: Int) throws -> String {
        let raw = try take(length)
        guard length <= Self.maxStringBytes else { throw malformed("string of \(length) bytes is too long") }
        guard let s = String(bytes: raw, encoding: .utf8) else {
            throw malformed("string at byte \(pos - length) is not valid UTF-8")
        }
        return s
    }

    /// A newline-terminated ASCII line (GLOBAL operands).
    private mutating func line() throws -> String {
        let start = pos
        while true {
            let b = try byte()
            if b == 0x0A { break }
            guard pos - start <= 256 else { throw malformed("GLOBAL name at byte \(start) is too long") }
        }
        guard let s = String(bytes: bytes[start ..< pos - 1], encoding: .utf8) else {
            throw malformed("GLOBAL name at byte \(start) is not valid UTF-8")
        }
        return s
    }

    // MARK: - Stack and memo

    private mutating func push(_ v: PickleValue) throws {
        guard stack.count < Self.maxStack else { throw malformed("stack exceeds \(Self.maxStack) values") }
        stack.append(v)
    }

    private mutating func pop(_ n: Int) throws -> [PickleValue] {
        let floor = marks.last ?? 0
        guard stack.count - floor >= n else { throw malformed("stack underflow at byte \(pos - 1)") }
        let items = Array(stack[(stack.count - n)...])
        stack.removeLast(n)
        return items
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let m = marks.popLast() else { throw malformed("missing MARK before byte \(pos - 1)") }
        let items = Array(stack[m...])
        stack.removeLast(stack.count - m)
        return items
    }

    private mutating func memoize(at index: Int) throws {
        guard let top = stack.last, stack.count > (marks.last ?? 0) else {
            throw malformed("memo store with an empty stack at byte \(pos - 1)")
        }
        guard memo[index] != nil || memo.count < Self.maxMemo else {
            throw malformed("memo exceeds \(Self.maxMemo) entries")
        }
        memo[index] = top
    }

    private func memoGet(_ index: Int) throws -> PickleValue {
        guard let v = memo[index] else { throw malformed("memo index \(index) read before it was stored") }
        return v
    }

    private func tuple(_ items: [PickleValue]) throws -> PickleValue {
        let depth = 1 + (items.map(\.depth).max() ?? 0)
        guard depth <= Self.maxDepth else { throw malformed("values nested deeper than \(Self.maxDepth)") }
        return .tuple(items, depth: depth)
    }

    // MARK: - Containers

    private mutating func setItems(_ kv: [PickleValue]) throws {
        guard kv.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of values") }
        guard case .dict(let d) = try pop(1)[0] else {
            throw malformed("SETITEM(S) on a value that is not a dict")
        }
        for i in stride(from: 0, to: kv.count, by: 2) {
            guard case .string = kv[i] else {
                throw unsupported("dict key of type \(kv[i].kind); a state_dict has string keys")
            }
            let depth = 1 + kv[i + 1].depth
            guard depth <= Self.maxDepth else { throw malformed("values nested deeper than \(Self.maxDepth)") }
            d.depth = max(d.depth, depth)
            d.items.append((kv[i], kv[i + 1]))
        }
        try push(.dict(d))
    }

    private mutating func append(_ vs: [PickleValue]) throws {
        guard case .list(let l) = try pop(1)[0] else { throw malformed("APPEND(S) on a value that is not a list") }
        for v in vs {
            let depth = 1 + v.depth
            guard depth <= Self.maxDepth else { throw malformed("values nested deeper than \(Self.maxDepth)") }
            l.depth = max(l.depth, depth)
            l.items.append(v)
        }
        try push(.list(l))
    }

    /// BUILD is accepted only where torch uses it: setting attributes (`_metadata`) of an OrderedDict.
    /// The state is validated and dropped; no attribute setting happens.
    private mutating func build(state: PickleValue) throws {
        guard let target = stack.last, stack.count > (marks.last ?? 0) else {
            throw malformed("BUILD with an empty stack")
        }
        guard case .dict = target else {
            throw unsupported("BUILD on a \(target.kind); only an OrderedDict's _metadata is accepted")
        }
        switch state {
        case .dict, .none: break
        default: throw unsupported("BUILD with a \(state.kind) state; only an OrderedDict's _metadata is accepted")
        }
    }

    /// Breaks any reference cycle a pickle built through the memo (and releases nested containers
    /// iteratively) so that nothing leaks or recurses deeply on release.
    private mutating func releaseContainers() {
        stack.removeAll()
        memo.removeAll()
        for c in containers {
            if let l = c as? PickleList { l.items.removeAll() }
            if let d = c as? PickleDict { d.items.removeAll() }
        }
        containers.removeAll()
    }

    // MARK: - Globals and calls

    private func resolve(module: String, name: String) throws -> PickleGlobal {
        let full = "\(module).\(name)"
        guard let g = PickleGlobal(rawValue: full) else {
            let allowed = PickleGlobal.allCases.map(\.rawValue).joined(separator: ", ")
            throw unsupported("refusing global '\(full)': a torch state_dict may only reference \(allowed); nothing was executed")
        }
        return g
    }

    private mutating func reduce(callable: PickleValue, args: PickleValue) throws -> PickleValue {
        guard case .global(let g) = callable else {
            throw unsupported("REDUCE on a \(callable.kind), which is not an allow-listed callable")
        }
        guard case .tuple(let a, _) = args else {
            throw malformed("REDUCE arguments for \(g.rawValue) are a \(args.kind), not a tuple")
        }
        switch g {
        case .orderedDict:
            guard a.isEmpty else { throw unsupported("collections.OrderedDict called with \(a.count) arguments") }
            let d = PickleDict()
            containers.append(d)
            return .dict(d)
        case .rebuildTensorV2:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard a.count == 6 || a.count == 7 else {
                throw malformed("_rebuild_tensor_v2 called with \(a.count) arguments (expected 6 or 7)")
            }
            guard case .storage(let storage) = a[0] else {
                throw malformed("_rebuild_tensor_v2: first argument is a \(a[0].kind), not a storage")
            }
            guard case .int(let offset) = a[1], offset >= 0 else {
                throw malformed("_rebuild_tensor_v2: storage_offset is not a non-negative int")
            }
            let size = try intTuple(a[2], "size")
            let stride = try intTuple(a[3], "stride")
            guard size.count == stride.count else {
                throw malformed("_rebuild_tensor_v2: size \(size) and stride \(stride) differ in rank")
            }
            return .tensor(TorchTensorRef(storage: storage, storageOffset: offset, size: size, stride: stride))
        case .rebuildParameter:
            // (data, requires_grad, backward_hooks): a Parameter is its data for inference.
            guard a.count == 3, case .tensor = a[0] else {
                throw malformed("_rebuild_parameter needs (tensor, requires_grad, backward_hooks)")
            }
            return a[0]
        default:
            throw unsupported("\(g.rawValue) is a storage type tag and cannot be called")
        }
    }

    private func intTuple(_ v: PickleValue, _ what: String) throws -> [Int] {
        guard case .tuple(let items, _) = v, items.count <= 16 else {
            throw malformed("_rebuild_tensor_v2: \(what) is a \(v.kind), not a tuple of at most 16 ints")
        }
        return try items.map {
            guard case .int(let n) = $0, n >= 0 else {
                throw malformed("_rebuild_tensor_v2: \(what) holds \($0.kind) that is not a non-negative int")
            }
            return n
        }
    }

    /// `('storage', <storage type>, key, location, numel)`, as torch's `persistent_id` writes it.
    private func persistentLoad(_ pid: PickleValue) throws -> TorchStorageRef {
        guard case .tuple(let t, _) = pid, t.count == 5, case .string("storage") = t[0] else {
            throw unsupported("persistent id is a \(pid.kind), not ('storage', type, key, location, numel)")
        }
        guard case .global(let type) = t[1], type.storageElement != nil else {
            throw unsupported("persistent id names storage type \(t[1].kind)")
        }
        guard case .string(let key) = t[2], !key.isEmpty, key.count <= 64 else {
            throw malformed("persistent id has an invalid storage key")
        }
        guard case .string = t[3] else { throw malformed("persistent id has a non-string location") }
        guard case .int(let numel) = t[4], numel >= 0 else {
            throw malformed("persistent id for storage '\(key)' has an invalid element count")
        }
        return TorchStorageRef(key: key, type: type, numel: numel)
    }
}
