import ChurnCore
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Appends churnd's prediction lines to `watch/logs/<log_file>`: the daemon's for every scored file, and
/// `churnd score`'s. Each scored file's sample is written with one `write` on an `O_APPEND` descriptor, so lines
/// from parallel workers, and from a `churnd score` beside the daemon, never interleave.
/// Past `maxBytes` the log is renamed to `<log_file>.1` (no longer a followed name; the previous `.1` is
/// replaced) and a new one is started.
/// A failure to log does not fail the scored file: `append` logs it once, until logging works again.
package final class PredictionLogWriter: Sendable {
    package let path: String
    private let maxBytes: @Sendable () -> Int
    private let lock = Mutex(())
    private let failing = Atomic<Bool>(false)
    private let logger: Logger

    /// - Parameter maxBytes: read at each append, so a reloaded configuration applies.
    package init(directory: String, fileName: String, maxBytes: @escaping @Sendable () -> Int, logger: Logger) {
        path = "\(directory)/\(fileName)"
        self.maxBytes = maxBytes
        self.logger = logger
    }

    /// Appends `records` as JSON lines; a failure is logged (once until a later append succeeds).
    package func append(_ records: [PredictionRecord]) {
        logFailure { try appendLines(records) }
    }

    /// Appends lines already written (`PredictionRecord.write`, `PredictionColumns.write`), as `append` does.
    package func append(lines bytes: [UInt8]) {
        logFailure { try appendLines(bytes) }
    }

    private func logFailure(_ work: () throws -> Void) {
        do {
            try work()
            if failing.exchange(false, ordering: .relaxed) { logger.notice("prediction log writable again") }
        } catch {
            if !failing.exchange(true, ordering: .relaxed) {
                logger.error("cannot append to the prediction log", metadata: ["file": "\(path)", "error": "\(error)"])
            }
        }
    }

    /// Appends `records` as JSON lines, rotating the log first when they would take it past `maxBytes`.
    package func appendLines(_ records: [PredictionRecord]) throws {
        guard !records.isEmpty else { return }
        var bytes: [UInt8] = []
        var writer = ByteWriter(capacity: 1 << 16) { bytes.append(contentsOf: $0) }
        try PredictionRecord.write(records, to: &writer)
        try writer.flush()
        try appendLines(bytes)
    }

    /// Appends whole lines, rotating the log first when they would take it past `maxBytes`.
    package func appendLines(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        let limit = maxBytes()
        try lock.withLock { _ in
            // Another process (a `churnd score` beside the daemon) may append or rotate too: each append holds
            // an exclusive `flock` on the file it opened, and starts again if the name was rotated meanwhile,
            // so a rotation never renames a log over one that another process just rotated.
            for _ in 0..<8 {
                let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
                guard fd >= 0 else { throw ChurnError.io(path: path, operation: "open", errno: errno) }
                defer { close(fd) }
                while flock(fd, LOCK_EX) != 0 {
                    if errno != EINTR { throw ChurnError.io(path: path, operation: "lock", errno: errno) }
                }
                var opened = stat()
                var named = stat()
                guard fstat(fd, &opened) == 0 else { throw ChurnError.io(path: path, operation: "stat", errno: errno) }
                guard stat(path, &named) == 0, named.st_ino == opened.st_ino, named.st_dev == opened.st_dev else {
                    continue  // rotated by another process while we waited: open the new log
                }
                if Int(opened.st_size) + bytes.count > limit, opened.st_size > 0 {
                    if rename(path, "\(path).1") != 0 {
                        throw ChurnError.io(path: path, operation: "rotate", errno: errno)
                    }
                    continue  // the next open starts a new log
                }
                try bytes.withUnsafeBytes { try FileSystem.writeAll(fd, $0, path: path) }
                return
            }
            throw ChurnError.io(path: path, operation: "append (the log kept being rotated)", errno: EAGAIN)
        }
    }
}
