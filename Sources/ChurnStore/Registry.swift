import ChurnCore
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The model registry: versions, aliases, their audit log and every training run, in SQLite at
/// `state/registry.sqlite`, with artifacts under `state/models/`.
///
/// Several processes may use it at once (the daemon and the CLI): WAL lets readers proceed during a write,
/// every write is one `BEGIN IMMEDIATE` transaction (so a read-then-write never loses an update), and the busy
/// timeout makes a writer wait its turn instead of failing. An alias move and its audit row commit together.
package struct Registry: Sendable {
    /// `state/registry.sqlite`.
    package let path: String
    package let artifacts: ArtifactStore
    /// Digests of training files, shared by every copy of this registry in the process.
    package let digests = FileDigests()
    let pool: DatabasePool
    let clock: @Sendable () -> Double

    /// Opens (creating and migrating when needed) the registry in `stateDirectory`.
    /// - Parameters:
    ///   - artifactWriter: replaces the atomic file writer for artifacts (tests simulate a full disk with it).
    ///   - clock: seconds since 1970, for the times recorded.
    package init(
        stateDirectory: String, artifactWriter: ArtifactStore.Writer? = nil,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) throws {
        try FileSystem.makeDirectory(stateDirectory)
        let path = "\(stateDirectory)/registry.sqlite"
        self.path = path
        self.artifacts = ArtifactStore(directory: "\(stateDirectory)/models", writer: artifactWriter)
        self.clock = clock
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration)
            // The pool opens its writer with synchronous = NORMAL (WAL's usual choice, which may lose the last
            // commits on power loss); the registry wants every committed move durable. Only the one writer
            // connection of the pool writes, so setting it there is enough.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
        try migrate()
    }

    /// WAL (a pool always uses it), foreign keys on, and a 10 s busy timeout: long enough for any registry write, short enough to report a stuck lock.
    static var configuration: Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.label = "churnd.registry"
        return config
    }

    /// Maps SQLite errors to messages a user can act on.
    static func translate(_ error: DatabaseError, path: String) -> any Error {
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return RegistryError.notADatabase(path: path, detail: error.message ?? "\(error.resultCode)")
        default:
            return RegistryError.database(path: path, detail: error.message ?? "\(error)")
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction: the write lock is taken before the first read, so
    /// what the body reads cannot change before it commits.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw ChurnError.internalInconsistency("transaction returned nothing") }
                return result
            }
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    /// Runs `body` holding an exclusive `flock` on `registry.sqlite.lock`, so two processes opening a new
    /// registry do not both try to create its tables (GRDB's migrator checks and migrates in two steps).
    func withMigrationLock<T>(_ body: () throws -> T) throws -> T {
        try Self.withFileLock(at: path + ".lock", body)
    }

    /// Runs `body` holding an exclusive `flock` on `training.lock` beside the registry: one training run at a
    /// time across processes (the daemon, `churnd train`), so the later one can see the earlier one's run
    /// before it trains on the same files again. `whenBusy` is called once when it has to wait.
    package func withTrainingLock<T>(whenBusy: () -> Void = {}, _ body: () throws -> T) throws -> T {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return try Self.withFileLock(
            at: (directory.isEmpty ? "." : directory) + "/training.lock", whenBusy: whenBusy, body)
    }

    static func withFileLock<T>(at lockPath: String, whenBusy: () -> Void = {}, _ body: () throws -> T) throws -> T {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ChurnError.io(path: lockPath, operation: "open", errno: errno) }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { whenBusy() }
            while flock(fd, LOCK_EX) != 0 {
                if errno != EINTR { throw ChurnError.io(path: lockPath, operation: "flock", errno: errno) }
            }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
