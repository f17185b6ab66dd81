import Foundation

/// The only globals a `torch.save` state_dict pickle may name. Anything else is refused before any
/// value is built: the unpickler never imports or calls anything, it only recognises these names.
package enum PickleGlobal: String, CaseIterable, Sendable {
    case orderedDict = "collections.OrderedDict"
    case rebuildTensorV2 = "torch._utils._rebuild_tensor_v2"
    case rebuildParameter = "torch._utils._rebuild_parameter"
    // Storage type tags (only ever used inside a persistent id, never called).
    case floatStorage = "torch.FloatStorage"
    case halfStorage = "torch.HalfStorage"
    case bfloat16Storage = "torch.BFloat16Storage"
    // Integer / double storages appear in older checkpoints for buffers such as
    // `embeddings.position_ids`. Accepted as tags; their tensors are skipped, not loaded.
    case doubleStorage = "torch.DoubleStorage"
    case longStorage = "torch.LongStorage"
    case intStorage = "torch.IntStorage"
    case shortStorage = "torch.ShortStorage"
    case charStorage = "torch.CharStorage"
    case byteStorage = "torch.ByteStorage"
    case boolStorage = "torch.BoolStorage"

    /// The element type and size of a storage tag; nil for callables.
    package var storageElement: (dtype: DType?, byteSize: Int)? {
        switch self {
        case .orderedDict, .rebuildTensorV2, .rebuildParameter: return nil
        case .floatStorage: return (.float32, 4)
        case .halfStorage: return (.float16, 2)
        case .bfloat16Storage: return (.bfloat16, 2)
        case .doubleStorage, .longStorage: return (nil, 8)
        case .intStorage: return (nil, 4)
        case .shortStorage: return (nil, 2)
        case .charStorage, .byteStorage, .boolStorage: return (nil, 1)
        }
    }

    /// Short name as torch prints it, e.g. `FloatStorage`.
    package var shortName: String { String(rawValue.split(separator: ".").last ?? "") }
}

/// A storage named by a persistent id `('storage', <type>, key, location, numel)`.
package struct TorchStorageRef: Sendable, Equatable {
    package let key: String
    package let type: PickleGlobal
    package let numel: Int
}

/// A tensor as `_rebuild_tensor_v2(storage, storage_offset, size, stride, ...)` describes it.
package struct TorchTensorRef: Sendable {
    package let storage: TorchStorageRef
    package let storageOffset: Int
    package let size: [Int]
    package let stride: [Int]
}

/// Mutable containers (lists and dicts) are shared through the memo, so they are reference types.
package final class PickleList {
    package var items: [PickleValue] = []
    package var depth = 1
}

package final class PickleDict {
    /// Insertion-ordered pairs (a state_dict is an OrderedDict; its keys are strings).
    package var items: [(key: PickleValue, value: PickleValue)] = []
    package var depth = 1
}

/// The values a state_dict pickle can hold. Nothing here can run code.
package enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tuple([PickleValue], depth: Int)
    case list(PickleList)
    case dict(PickleDict)
    case global(PickleGlobal)
    case storage(TorchStorageRef)
    case tensor(TorchTensorRef)

    /// Nesting depth, tracked so that a hostile pickle cannot build structures deep enough to
    /// overflow the stack when they are released.
    var depth: Int {
        switch self {
        case .tuple(_, let d): return d
        case .list(let l): return l.depth
        case .dict(let d): return d.depth
        default: return 0
        }
    }

    /// A short description for error messages.
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let g): return g.rawValue
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}
