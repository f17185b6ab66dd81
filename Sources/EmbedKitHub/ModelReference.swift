/// A parsed, validated `org/name[@revision]`.
public struct ModelReference: Hashable, Sendable, CustomStringConvertible {
    public let id: String
    public let revision: String

    /// Parses `org/name` or `org/name@revision` (revision defaults to `main`).
    public init(_ string: String, defaultRevision: String = "main") throws {
        let parts = string.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        let id = String(parts[0])
        let revision = parts.count == 2 ? String(parts[1]) : defaultRevision
        try Self.validate(id: id)
        try Self.validate(revision: revision, of: string)
        self.id = id
        self.revision = revision
    }

    public var description: String { "\(id)@\(revision)" }

    /// The cache folder name huggingface_hub uses: `models--org--name`.
    public var cacheFolderName: String { "models--" + id.replacingOccurrences(of: "/", with: "--") }

    /// True when the revision is already a 40-hex commit hash.
    public var revisionIsCommit: Bool { PathSafety.isCommitHash(revision) }

    static func validate(id: String) throws {
        let components = id.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count == 2 else {
            throw HubError.invalidModelID(id, reason: "expected exactly one '/' between organisation and name")
        }
        for component in components {
            guard !component.isEmpty, component.utf8.count <= 96 else {
                throw HubError.invalidModelID(id, reason: "organisation and name must be 1 to 96 characters")
            }
            guard component.unicodeScalars.allSatisfy(PathSafety.isIDCharacter) else {
                throw HubError.invalidModelID(id, reason: "only letters, digits, '.', '_' and '-' are allowed")
            }
            guard !component.contains(".."), !component.contains("--"),
                  !component.hasPrefix("."), !component.hasSuffix(".") else {
                throw HubError.invalidModelID(id, reason: "'..', '--' and leading or trailing '.' are not allowed")
            }
        }
    }

    static func validate(revision: String, of string: String) throws {
        guard !revision.isEmpty, revision.utf8.count <= 255,
              PathSafety.isSafeRelativePath(revision),
              revision.unicodeScalars.allSatisfy({ PathSafety.isIDCharacter($0) || $0 == "/" }) else {
            throw HubError.invalidModelID(string, reason: "the revision after '@' must be a branch, tag or commit hash")
        }
    }
}

/// Checks on every string that becomes part of a cache path.
enum PathSafety {
    static func isIDCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": return true
        default: return false
        }
    }

    static func isCommitHash(_ string: String) -> Bool {
        string.utf8.count == 40 && string.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    static func isSHA256(_ string: String) -> Bool {
        string.utf8.count == 64 && string.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    /// A relative path of non-empty components, none `.` or `..`, no backslash, NUL or control characters.
    static func isSafeRelativePath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.hasPrefix("~") else { return false }
        if path.unicodeScalars.contains(where: { $0 == "\\" || $0.value < 0x20 || $0.value == 0x7f }) { return false }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty || component == "." || component == ".." { return false }
        }
        return true
    }

    /// A single file-name component (blob names, commit folders).
    static func isSafeComponent(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && name != "." && name != ".."
            && name.unicodeScalars.allSatisfy(isIDCharacter)
    }

    static func requireRelativePath(_ path: String, context: String) throws {
        guard isSafeRelativePath(path) else { throw HubError.unsafePath(path, context: context) }
    }

    static func requireComponent(_ name: String, context: String) throws {
        guard isSafeComponent(name) else { throw HubError.unsafePath(name, context: context) }
    }
}
