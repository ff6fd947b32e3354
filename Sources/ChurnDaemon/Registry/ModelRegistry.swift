import ChurnCore

#if canImport(Glibc)
    import Glibc
#endif

/// What the daemon needs from the model registry, and nothing more: which version serves, its artifact, and
/// a way to run one training + judgement. The daemon never reads registry storage itself, so the file-based
/// stand-in below and the SQLite registry are interchangeable.
public protocol ModelRegistry: Sendable {
    /// Version serving under `production` now, or nil. Called about once a second, and before a file when
    /// `changeStamp()` cannot rule out a change: must be cheap.
    func servingVersion() throws -> Int?
    /// A value that changes whenever the registry's storage changes, much cheaper to get than
    /// `servingVersion()`; nil when the registry cannot tell (then every file asks `servingVersion()`).
    func changeStamp() -> [FileStamp]?
    /// The artifact of a version (verified).
    func artifact(version: Int) throws -> ModelArtifact
    /// Runs one training + judgement on these labeled files; returns a one-line outcome for the log
    /// (e.g. "promoted v4 …").
    func train(files: [String]) throws -> String
}

extension ModelRegistry {
    public func changeStamp() -> [FileStamp]? { nil }
}

/// Identity, size and modification time of a file (all zero when it does not exist).
public struct FileStamp: Equatable, Sendable {
    public var device: UInt64 = 0
    public var inode: UInt64 = 0
    public var size: Int64 = 0
    public var modified: Int64 = 0

    public init(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }
}
