import ChurnCore
import ChurnStore
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Appends the daemon's prediction lines (SPEC §7) to `watch/logs/<log_file>`. Each scored file's sample is
/// written with one `write` on an `O_APPEND` descriptor, so lines from parallel workers never interleave.
/// Past `maxBytes` the log is renamed to `<log_file>.1` (no longer a followed name; the previous `.1` is
/// replaced) and a new one is started.
/// A failure to log does not fail the scored file: it is logged once, until logging works again.
final class PredictionLogWriter: Sendable {
    let path: String
    private let maxBytes: @Sendable () -> Int
    private let lock = Mutex(())
    private let failing = Atomic<Bool>(false)
    private let logger: Logger

    /// - Parameter maxBytes: read at each append, so a reloaded configuration applies.
    init(directory: String, fileName: String, maxBytes: @escaping @Sendable () -> Int, logger: Logger) {
        path = "\(directory)/\(fileName)"
        self.maxBytes = maxBytes
        self.logger = logger
    }

    /// Appends `records` as JSON lines; a failure is logged (once until a later append succeeds).
    func append(_ records: [PredictionRecord]) {
        do {
            try appendLines(records)
            if failing.exchange(false, ordering: .relaxed) { logger.notice("prediction log writable again") }
        } catch {
            if !failing.exchange(true, ordering: .relaxed) {
                logger.error("cannot append to the prediction log", metadata: ["file": "\(path)", "error": "\(error)"])
            }
        }
    }

    private func appendLines(_ records: [PredictionRecord]) throws {
        guard !records.isEmpty else { return }
        var bytes: [UInt8] = []
        var writer = ByteWriter(capacity: 1 << 16) { bytes.append(contentsOf: $0) }
        for record in records { try record.write(to: &writer) }
        try writer.flush()
        let limit = maxBytes()
        try lock.withLock { _ in
            var info = stat()
            if stat(path, &info) == 0, Int(info.st_size) + bytes.count > limit, info.st_size > 0 {
                if rename(path, "\(path).1") != 0 { throw ChurnError.io(path: path, operation: "rotate", errno: errno) }
            }
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
            guard fd >= 0 else { throw ChurnError.io(path: path, operation: "open", errno: errno) }
            defer { close(fd) }
            try bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw ChurnError.io(path: path, operation: "write", errno: errno)
                    }
                    offset += n
                }
            }
        }
    }
}
