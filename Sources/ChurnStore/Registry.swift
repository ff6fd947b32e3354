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
    /// `state/registry.sqlite`, or `:memory:` for a registry on an in-memory database.
    package let path: String
    package let artifacts: ArtifactStore
    /// Digests of training files, shared by every copy of this registry in the process.
    package let digests = FileDigests()
    /// The database: a `DatabasePool` on `state/registry.sqlite`, or whatever writer a test hands in (an
    /// in-memory `DatabaseQueue`), as in GRDB's `AppDatabase`.
    let database: any DatabaseWriter
    /// Where the lock files go (`training.lock`, `registry.sqlite.lock`) and the artifacts under `models/`.
    let stateDirectory: String
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
        // Under the lock: the first connection to a new file switches it to WAL, and SQLite answers another
        // connection doing the same at that moment with "database is locked" at once, whatever the busy timeout.
        let pool = try Self.withFileLock(at: Self.lockPath(stateDirectory)) {
            do {
                let pool = try DatabasePool(path: path, configuration: Self.configuration)
                // The pool opens its writer with synchronous = NORMAL (WAL's usual choice, which may lose the last
                // commits on power loss); the registry wants every committed move durable. Only the one writer
                // connection of the pool writes, so setting it there is enough.
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
                return pool
            } catch let error as DatabaseError {
                throw Self.translate(error, path: path)
            }
        }
        try self.init(
            database: pool, path: path, stateDirectory: stateDirectory, artifactWriter: artifactWriter, clock: clock)
    }

    /// A registry on an open database, migrated when needed (GRDB's `AppDatabase` pattern): tests where the
    /// file does not matter pass `DatabaseQueue(configuration: Registry.configuration)`, in memory. Artifacts
    /// and lock files still go under `stateDirectory`.
    package init(
        database: any DatabaseWriter, stateDirectory: String, artifactWriter: ArtifactStore.Writer? = nil,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) throws {
        try FileSystem.makeDirectory(stateDirectory)
        try self.init(
            database: database, path: ":memory:", stateDirectory: stateDirectory, artifactWriter: artifactWriter,
            clock: clock)
    }

    private init(
        database: any DatabaseWriter, path: String, stateDirectory: String, artifactWriter: ArtifactStore.Writer?,
        clock: @escaping @Sendable () -> Double
    ) throws {
        self.database = database
        self.path = path
        self.stateDirectory = stateDirectory
        self.artifacts = ArtifactStore(directory: "\(stateDirectory)/models", writer: artifactWriter)
        self.clock = clock
        try migrate()
    }

    /// WAL (a pool always uses it), foreign keys on, and a 10 s busy timeout: long enough for any registry write, short enough to report a stuck lock.
    package static var configuration: Configuration {
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
            return try database.writeWithoutTransaction { db in
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
            return try database.read(body)
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    /// `registry.sqlite.lock`: held while a process opens the database file and while it migrates, so two
    /// processes opening a new registry neither switch it to WAL at once nor both create its tables (GRDB's
    /// migrator checks and migrates in two steps).
    static func lockPath(_ stateDirectory: String) -> String { "\(stateDirectory)/registry.sqlite.lock" }

    func withMigrationLock<T>(_ body: () throws -> T) throws -> T {
        try Self.withFileLock(at: Self.lockPath(stateDirectory), body)
    }

    /// Runs `body` holding an exclusive `flock` on `training.lock` beside the registry: one training run at a
    /// time across processes (the daemon, `churnd train`), so the later one can see the earlier one's run
    /// before it trains on the same files again. `whenBusy` is called once when it has to wait.
    package func withTrainingLock<T>(whenBusy: () -> Void = {}, _ body: () throws -> T) throws -> T {
        try Self.withFileLock(at: "\(stateDirectory)/training.lock", whenBusy: whenBusy, body)
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
