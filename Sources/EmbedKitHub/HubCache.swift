import Foundation

/// The huggingface_hub cache layout, shared with Python:
/// `<cache>/models--org--name/{blobs/<etag>, snapshots/<commit>/<file> -> ../../blobs/<etag>, refs/<revision>}`
/// and lock files in `<cache>/.locks/models--org--name/<etag>.lock`.
public struct HubCache: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    public func repoFolder(_ model: ModelReference) -> URL {
        root.appendingPathComponent(model.cacheFolderName, isDirectory: true)
    }

    func blobsFolder(_ model: ModelReference) -> URL {
        repoFolder(model).appendingPathComponent("blobs", isDirectory: true)
    }

    func blobPath(_ model: ModelReference, blob: String) -> URL {
        blobsFolder(model).appendingPathComponent(blob)
    }

    public func snapshotFolder(_ model: ModelReference, commit: String) -> URL {
        repoFolder(model).appendingPathComponent("snapshots", isDirectory: true).appendingPathComponent(commit, isDirectory: true)
    }

    func refFile(_ model: ModelReference) -> URL {
        repoFolder(model).appendingPathComponent("refs", isDirectory: true).appendingPathComponent(model.revision)
    }

    func lockFile(_ model: ModelReference, blob: String) -> URL {
        root.appendingPathComponent(".locks", isDirectory: true)
            .appendingPathComponent(model.cacheFolderName, isDirectory: true)
            .appendingPathComponent(blob + ".lock")
    }

    /// The commit a revision points to, from `refs/<revision>` (or the revision itself when it is a commit hash).
    public func commit(for model: ModelReference) -> String? {
        if model.revisionIsCommit { return model.revision }
        guard let text = try? String(contentsOf: refFile(model), encoding: .utf8) else { return nil }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return PathSafety.isSafeComponent(commit) ? commit : nil
    }

    /// The cached snapshot folder of `model`, if any.
    public func cachedSnapshot(_ model: ModelReference) -> URL? {
        guard let commit = commit(for: model) else { return nil }
        let folder = snapshotFolder(model, commit: commit)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        return folder
    }

    /// Records `refs/<revision>` → commit (atomically: write then rename).
    func writeRef(_ model: ModelReference, commit: String) throws {
        guard !model.revisionIsCommit || model.revision != commit else { return }
        let file = refFile(model)
        if let current = try? String(contentsOf: file, encoding: .utf8), current == commit { return }
        try FileSystem.createDirectory(file.deletingLastPathComponent())
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).\(FileSystem.uniqueSuffix())")
        do {
            try Data(commit.utf8).write(to: temporary)
            try FileSystem.rename(temporary, to: file)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw HubError.io(path: file.path, message: "\(error)")
        }
    }

    /// True when the snapshot already has `file` (the symlink exists and its blob is there).
    func snapshotHasFile(_ model: ModelReference, commit: String, file: String) -> Bool {
        FileManager.default.fileExists(atPath: snapshotFolder(model, commit: commit).appendingPathComponent(file).path)
    }

    /// Points `snapshots/<commit>/<file>` at `blobs/<blob>` with a relative symlink, as huggingface_hub does.
    func link(_ model: ModelReference, commit: String, file: String, blob: String) throws {
        let pointer = snapshotFolder(model, commit: commit).appendingPathComponent(file)
        let depth = file.split(separator: "/").count + 1   // snapshots/<commit>/[dirs/]file
        let target = String(repeating: "../", count: depth) + "blobs/" + blob
        try FileSystem.createDirectory(pointer.deletingLastPathComponent())
        if let existing = try? FileManager.default.destinationOfSymbolicLink(atPath: pointer.path), existing == target { return }
        let temporary = pointer.deletingLastPathComponent().appendingPathComponent(".\(pointer.lastPathComponent).\(FileSystem.uniqueSuffix())")
        guard symlink(target, temporary.path) == 0 else {
            throw HubError.io(path: temporary.path, message: "cannot create symlink: \(String(cString: strerror(errno)))")
        }
        do {
            try FileSystem.rename(temporary, to: pointer)
        } catch {
            unlink(temporary.path)
            throw error
        }
    }

    // MARK: Listing

    /// One cached model repository.
    public struct CachedModel: Sendable {
        public var id: String
        public var folder: URL
        /// Bytes of complete blobs.
        public var size: Int64
        /// Bytes of unfinished downloads (`*.incomplete`).
        public var incompleteSize: Int64
        /// revision → commit, from `refs/`.
        public var refs: [String: String]
        /// Commit hashes with a snapshot folder.
        public var snapshots: [String]
    }

    /// Every `models--*` repository in the cache, sorted by id.
    public func cachedModels() -> [CachedModel] {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: root.path) else { return [] }
        var models: [CachedModel] = []
        for entry in entries.sorted() where entry.hasPrefix("models--") {
            let parts = entry.dropFirst("models--".count).components(separatedBy: "--")
            guard parts.count == 2 else { continue }
            let folder = root.appendingPathComponent(entry, isDirectory: true)
            var size: Int64 = 0, incomplete: Int64 = 0
            let blobs = folder.appendingPathComponent("blobs")
            for blob in (try? fm.contentsOfDirectory(atPath: blobs.path)) ?? [] {
                let attributes = try? fm.attributesOfItem(atPath: blobs.appendingPathComponent(blob).path)
                let bytes = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
                if blob.hasSuffix(".incomplete") { incomplete += bytes } else { size += bytes }
            }
            var refs: [String: String] = [:]
            let refsFolder = folder.appendingPathComponent("refs")
            if let enumerator = fm.enumerator(atPath: refsFolder.path) {
                while let name = enumerator.nextObject() as? String {
                    let path = refsFolder.appendingPathComponent(name)
                    var isDirectory: ObjCBool = false
                    guard fm.fileExists(atPath: path.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                          let commit = try? String(contentsOf: path, encoding: .utf8) else { continue }
                    refs[name] = commit.trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
            let snapshots = ((try? fm.contentsOfDirectory(atPath: folder.appendingPathComponent("snapshots").path)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted()
            models.append(CachedModel(id: parts.joined(separator: "/"), folder: folder, size: size,
                                      incompleteSize: incomplete, refs: refs, snapshots: snapshots))
        }
        return models
    }
}
