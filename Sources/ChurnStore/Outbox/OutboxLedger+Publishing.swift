import ChurnCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One staged output: the hidden file and the kind of output it becomes.
package struct StagedFile: Equatable, Sendable {
    package var kind: OutputKind
    package var path: String

    package init(kind: OutputKind, path: String) {
        self.kind = kind
        self.path = path
    }
}

/// The outputs of one input under their hidden names, in publication order.
package struct StagedOutputs: Equatable, Sendable {
    package var stem: String
    package var files: [StagedFile]
    /// The files' descriptors when they are not synced yet (a batch syncs its files together): publishing or
    /// committing syncs them first.
    let unsynced: UnsyncedFiles?

    package init(stem: String, files: [StagedFile]) {
        self.init(stem: stem, files: files, unsynced: nil)
    }

    init(stem: String, files: [StagedFile], unsynced: UnsyncedFiles?) {
        self.stem = stem
        self.files = files.sorted { $0.kind < $1.kind }
        self.unsynced = unsynced
    }

    /// Whether the files are synced.
    package var synced: Bool { unsynced?.isEmpty ?? true }

    /// Syncs the files when they are not synced yet.
    func sync() throws {
        try unsynced?.sync()
    }

    /// The input could not be scored: its output is a report, and the input goes to the quarantine.
    package var isRefusal: Bool { files.contains { $0.kind == .report } }

    /// An earlier attempt linked one of the files to its public name: the claim is committed.
    package var isCommitted: Bool { files.contains { OutboxLedger.isLinked($0.path) } }
}

/// The open descriptors of staged files written but not synced yet (a batch's: at most 32 files of up to two
/// outputs each), kept open until the commit syncs them, so the sync needs no second `open` by path. `sync()`
/// syncs and closes them; whatever is still open when the last copy of the outputs goes is closed unsynced.
final class UnsyncedFiles: Sendable {
    private let descriptors: Mutex<[(fd: Int32, path: String)]>

    init(_ files: [(fd: Int32, path: String)]) {
        descriptors = Mutex(files)
    }

    var isEmpty: Bool { descriptors.withLock { $0.isEmpty } }

    /// `fdatasync`s each file, in order, and closes it. When one fails, the rest are closed unsynced and the
    /// error is thrown: the claim is not committed, and its retry removes the staged files.
    func sync() throws {
        try descriptors.withLock { files in
            defer {
                for file in files { close(file.fd) }
                files = []
            }
            for file in files where fdatasync(file.fd) != 0 {
                throw ChurnError.io(path: file.path, operation: "fdatasync", errno: errno)
            }
        }
    }

    deinit {
        descriptors.withLock { files in
            for file in files { close(file.fd) }
        }
    }
}

extension StagedOutputs {
    package static func == (a: StagedOutputs, b: StagedOutputs) -> Bool {
        a.stem == b.stem && a.files == b.files && a.unsynced === b.unsynced
    }
}

extension OutboxLedger {
    /// The outputs of one input while they are written: one hidden file per kind in the output directory.
    /// `keep()` syncs the ones still wanted and hands them over for publishing; whatever is not kept (or
    /// everything, when keeping fails) is removed.
    package final class Staging {
        package let directory: String
        package let stem: String
        /// The claim whose id names the files; nil for `churnd score`, whose names are unique temporary ones.
        package let claim: ClaimID?
        private var files: [OutputKind: PendingFile] = [:]

        init(directory: String, stem: String, claim: ClaimID?) {
            self.directory = directory
            self.stem = stem
            self.claim = claim
        }

        /// Creates the hidden file of `kind` (for a claim scored again, truncates the one its earlier attempt
        /// left).
        package func create(_ kind: OutputKind) throws -> PendingFile {
            files.removeValue(forKey: kind)?.discard()
            let file: PendingFile
            if let claim {
                file = try PendingFile(
                    directory: directory, temporaryName: StagedName(claim: claim, kind: kind, stem: stem).text)
            } else {
                file = try PendingFile(directory: directory, name: kind.fileName(base: stem))
            }
            files[kind] = file
            return file
        }

        /// Removes the file of `kind`: it will not be published.
        package func discard(_ kind: OutputKind) {
            files.removeValue(forKey: kind)?.discard()
        }

        /// Removes every file.
        package func discardAll() {
            for kind in Array(files.keys) { discard(kind) }
        }

        /// Syncs every file still staged and returns them for publishing. When a sync fails, every file goes.
        /// Without `sync`, the files are left unsynced, their writeback started and their descriptors open, for
        /// the commit to sync them (with the other files of its batch).
        package func keep(sync: Bool = true) throws -> StagedOutputs {
            let kept = files.sorted { $0.key < $1.key }
            if !sync {
                let open = kept.compactMap { entry in
                    entry.value.keepUnsynced().map { (fd: $0, path: entry.value.temporaryPath) }
                }
                files = [:]
                return StagedOutputs(
                    stem: stem, files: kept.map { StagedFile(kind: $0.key, path: $0.value.temporaryPath) },
                    unsynced: UnsyncedFiles(open))
            }
            do {
                for (_, file) in kept { try file.keep() }
            } catch {
                for (_, file) in kept {
                    file.discard()
                    unlink(file.temporaryPath)
                }
                files = [:]
                throw error
            }
            files = [:]
            return StagedOutputs(stem: stem, files: kept.map { StagedFile(kind: $0.key, path: $0.value.temporaryPath) })
        }
    }

    /// Step 2 without a claim (`churnd score`): outputs staged under unique temporary names in `directory`.
    package static func staging(in directory: String, stem: String) -> Staging {
        Staging(directory: directory, stem: stem, claim: nil)
    }

    /// Publishes at once (`churnd score`, and recovery): links each staged file to `<base>.<kind>`, fsyncs the
    /// directory, then removes the staged names. Returns the public paths, in `OutputKind` order.
    @discardableResult
    package static func publish(_ outputs: StagedOutputs, in directory: String) throws -> [String] {
        try outputs.sync()
        let published = try link(outputs, in: directory)
        // The links must be durable before the staged names go: otherwise a power cut could take both.
        try FileSystem.fsyncDirectory(directory)
        for file in outputs.files { unlink(file.path) }
        return published
    }

    /// One name choice at a time in this process, so two inputs with the same stem never pick the same suffix.
    private static let naming = Mutex<Void>(())

    /// Links each staged file to `<base>.<kind>` and nothing more: the staged names stay, so a later step (or
    /// recovery) can tell that the claim was committed. `<base>` is the one an earlier attempt already linked
    /// under, or else the first base free for every kind. Idempotent. Returns the public paths.
    static func link(_ outputs: StagedOutputs, in directory: String) throws -> [String] {
        try naming.withLock { _ in
            let earlier = outputs.files.lazy.compactMap { linkedBase(of: $0, stem: outputs.stem, in: directory) }.first
            if let earlier, let paths = try link(outputs.files, base: earlier, in: directory) { return paths }
            return try FirstFreeSuffix.first(outputs.stem) { base in
                if isTaken(base, in: directory) { return nil }
                return try link(outputs.files, base: base, in: directory)
            }
        }
    }

    /// Links every file under `base`; nil when another writer took the first name meanwhile (try the next).
    private static func link(_ files: [StagedFile], base: String, in directory: String) throws -> [String]? {
        var paths: [String] = []
        for file in files {
            let target = "\(directory)/\(file.kind.fileName(base: base))"
            if Glibc.link(file.path, target) != 0 {
                let code = errno
                if code == EEXIST, isSameFile(file.path, target) {
                    paths.append(target)
                    continue
                }
                if code == EEXIST, paths.isEmpty { return nil }
                throw ChurnError.io(path: target, operation: "link", errno: code)
            }
            paths.append(target)
        }
        return paths
    }

    /// Whether any output of `base` exists.
    private static func isTaken(_ base: String, in directory: String) -> Bool {
        OutputKind.allCases.contains { FileSystem.exists("\(directory)/\($0.fileName(base: base))") }
    }

    /// Whether an earlier attempt linked this staged file to a public name.
    static func isLinked(_ staged: String) -> Bool {
        var info = stat()
        return lstat(staged, &info) == 0 && info.st_nlink > 1
    }

    /// The base under which an earlier attempt already published this staged file, if it did: the bases in
    /// suffix order up to the first free one.
    private static func linkedBase(of file: StagedFile, stem: String, in directory: String) -> String? {
        guard isLinked(file.path) else { return nil }
        enum Search { case found(String), notLinkedHere }
        let result = FirstFreeSuffix.first(stem) { base -> Search? in
            if isSameFile(file.path, "\(directory)/\(file.kind.fileName(base: base))") { return .found(base) }
            return isTaken(base, in: directory) ? nil : .notLinkedHere
        }
        if case .found(let base) = result { return base }
        return nil
    }

    private static func isSameFile(_ a: String, _ b: String) -> Bool {
        var x = stat()
        var y = stat()
        return lstat(a, &x) == 0 && lstat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev
    }
}
