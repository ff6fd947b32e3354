import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Tells the registry's followers (the inbox's model cache, the HTTP server's serving models, the daemon's
/// supervisor, MLflow's alias sync) that the registry committed something, in this process or in another one
/// (`churnd promote` from a shell), without any of them polling.
///
/// How a commit is seen: every commit writes to `registry.sqlite-wal` (or, after a checkpoint, to
/// `registry.sqlite`), and inotify reports the write to a thread of this type that sleeps in `poll()` with no
/// timeout, so an idle registry costs nothing. The write is not yet the commit: SQLite fsyncs the log
/// (`synchronous = FULL`) and only then publishes the commit in the WAL index, and the reader connections of
/// other processes cause no write at all. So an event only schedules checks (at once, then after 20 ms … 3 s),
/// and a check asks `PRAGMA data_version` on a read-only connection of this type's own: SQLite changes that
/// value exactly when another connection (of any process) committed since the last ask. Only a changed value
/// bumps `signal`; reads, checkpoints and the shared-memory file never do. A check reads the WAL index, not
/// the database, so it costs microseconds.
///
/// `check()` confirms on the caller's thread too: the inbox asks before each file, so a promotion made just
/// before a file arrives is used for it even when the file's event outruns this type's thread.
package final class RegistryChanges: Sendable {
    /// Bumped once per confirmed change (several commits close together may bump it once).
    package let signal = ChangeSignal()
    private let directory: String
    private let names: Set<String>
    private let probe: DatabaseQueue
    private let lastVersion: Mutex<Int?>
    private let stopWriter = Atomic<Int32>(-1)

    /// Seconds after an event at which the commit is checked for (the last one bounds a very slow fsync).
    static let checkDelays: [Double] = [0, 0.02, 0.1, 0.3, 1, 3]

    /// Opens the probe connection on the registry's database file (`Registry.path`); starts no thread.
    package init(databasePath: String) throws {
        let (directory, name) = FileSystem.split(databasePath)
        self.directory = directory
        names = [name, name + "-wal"]
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        configuration.label = "churnd.registry.changes"
        probe = try DatabaseQueue(path: databasePath, configuration: configuration)
        lastVersion = Mutex(try? probe.inDatabase { try Int.fetchOne($0, sql: "PRAGMA data_version") })
    }

    /// Confirms now whether another connection committed since the last check; bumps `signal` if so. Returns
    /// the generation after the check.
    @discardableResult
    package func check() -> UInt64 {
        let changed = lastVersion.withLock { last in
            let version = try? probe.inDatabase { try Int.fetchOne($0, sql: "PRAGMA data_version") }
            defer { last = version }
            // An unreadable value counts as a change: the followers read the registry and report the error.
            return version == nil || version != last
        }
        if changed { signal.notify() }
        return signal.generation
    }

    /// Starts the watching thread. Returns nil, or why inotify is unavailable: the thread then checks once a
    /// second instead (and says so through the return value, for the caller to log).
    package func start() -> String? {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return "pipe: \(String(cString: strerror(errno)))" }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        stopWriter.store(ends[1], ordering: .sequentiallyConsistent)
        var problem: String?
        let notify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        if notify < 0 {
            problem = "inotify_init1: \(String(cString: strerror(errno)))"
        } else if inotify_add_watch(
            notify, directory, UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_DELETE)) < 0
        {
            problem = "inotify_add_watch \(directory): \(String(cString: strerror(errno)))"
        }
        let stopReader = ends[0]
        let watching = problem == nil ? notify : -1
        let thread = Thread { [self] in
            run(notify: watching, stop: stopReader)
            if notify >= 0 { close(notify) }
            close(stopReader)
        }
        thread.name = "churnd-registry"
        thread.start()
        return problem
    }

    /// Stops the thread (it closes its descriptors as it ends).
    package func stop() {
        let writer = stopWriter.exchange(-1, ordering: .sequentiallyConsistent)
        guard writer >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(writer, &byte, 1)
        close(writer)
    }

    /// The thread: waits for inotify events (or, without inotify, one second), then checks on schedule.
    private func run(notify: Int32, stop: Int32) {
        var due: [Double] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let now = Self.now()
            let timeout: Int32 =
                if let next = due.first {
                    Int32(max(0, ((next - now) * 1000).rounded(.up)))
                } else {
                    notify >= 0 ? -1 : 1000
                }
            var fds = [pollfd(fd: stop, events: Int16(POLLIN), revents: 0)]
            if notify >= 0 { fds.append(pollfd(fd: notify, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0, errno != EINTR { return }
            if fds[0].revents != 0 { return }
            if notify >= 0, fds.count > 1, fds[1].revents != 0, readEvents(notify, into: &buffer) {
                let at = Self.now()
                due = Self.checkDelays.map { at + $0 }
            }
            if notify < 0, due.isEmpty { due = [Self.now()] }
            let checked = Self.now()
            while let first = due.first, first <= checked {
                due.removeFirst()
                check()
            }
        }
    }

    /// Reads every pending event; true when one concerns the database or its log (or events were lost).
    private func readEvents(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var relevant = false
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { return relevant }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                let (mask, length) = buffer.withUnsafeBytes { raw in
                    (
                        raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                        Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    )
                }
                let nameBytes = buffer[(offset + header)..<min(count, offset + header + length)]
                let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                if mask & UInt32(IN_Q_OVERFLOW) != 0 || names.contains(name) { relevant = true }
                offset += header + length
            }
        }
    }

    private static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}
