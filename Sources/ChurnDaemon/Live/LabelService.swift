import ChurnCore
import ChurnStore
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Live F1: label files dropped into `watch/labels/` (the label column and the schema's id column or
/// `request_id`, optionally `file`) are validated, joined with the logged predictions they judge (per version,
/// the most recent one made before the file arrived, within `[live] max_label_age_days`), stored in the
/// registry, and may promote the challenger. A file with the wrong columns goes to `state/quarantine/` with a
/// `.reason.txt`; a processed file moves to `state/labels/`. Files are taken one at a time on a queue of their
/// own, on an inotify event and at every reconciliation scan (so polling mode works too).
final class LabelService: Sendable {
    private let paths: DaemonPaths
    private let ledger: OutboxLedger
    private let registry: any ModelRegistry
    private let config: @Sendable () -> Config
    private let logger: Logger
    private let queue = DispatchQueue(label: "churnd.labels")
    /// The last error logged per file still in `watch/labels/`: a file that keeps failing (a full disk) is
    /// retried at every scan but its error is logged once.
    private let failures = Mutex<[String: String]>([:])

    init(
        paths: DaemonPaths, ledger: OutboxLedger, registry: any ModelRegistry,
        config: @escaping @Sendable () -> Config, logger: Logger
    ) {
        self.paths = paths
        self.ledger = ledger
        self.registry = registry
        self.config = config
        self.logger = logger
    }

    /// A complete file appeared in `watch/labels/` (name relative to it).
    func fileArrived(_ name: String) {
        guard name.lowercased().hasSuffix(".csv"), !name.contains("/") else { return }
        queue.async { [self] in process(name) }
    }

    /// Takes every file now in `watch/labels/`: at start and at each reconciliation scan (`ScanService`).
    func scan() {
        for path in (try? DataFiles.list(in: paths.labels)) ?? [] { fileArrived(FileSystem.split(path).name) }
    }

    /// Reads, joins and files away one label file; on the label queue only.
    func process(_ name: String) {
        let path = "\(paths.labels)/\(name)"
        guard FileSystem.exists(path) else { return }  // taken by an earlier event or scan
        let config = self.config()
        do {
            let batch: LabelBatch
            let arrivedAt: Double
            do {
                let file = try FileSystem.openInput(path)
                defer { file.close() }
                arrivedAt = Self.arrival(of: file)
                batch = try LabelBatch.read(FileDescriptorSource(fd: file.fd, path: path), schema: config.schema)
            } catch let problem as LabelBatch.Problem {
                let movedTo = try ledger.quarantine(
                    path, problem: "\(path): \(problem)", advice: "Fix it and drop it into \(paths.labels)/ again.")
                ChurnMetrics.fileQuarantined(.labels)
                failures.withLock { $0[name] = nil }
                logger.warning(
                    "label file refused, moved to quarantine",
                    metadata: ["file": "\(name)", "reason": "\(problem)", "moved_to": "\(movedTo)"])
                return
            }
            var logs = try PredictionLogFiles.list(in: paths.logs)
            let rotated = "\(paths.logs)/\(config.drift.logFile).1"
            if FileSystem.exists(rotated) { logs.insert(rotated, at: 0) }
            let summary =
                try registry.applyLabels(batch, file: name, arrivedAt: arrivedAt, logFiles: logs)?.summary
                ?? "ignored: this registry keeps no live outcomes"
            let archived = "\(paths.labelArchive)/\(ClaimID.next().fileName(for: name))"
            if rename(path, archived) != 0 { throw ChurnError.io(path: path, operation: "rename", errno: errno) }
            failures.withLock { $0[name] = nil }
            logger.info("labels joined", metadata: ["file": "\(name)", "outcome": "\(summary)"])
        } catch {
            let message = "\(error)"
            guard failures.withLock({ $0.updateValue(message, forKey: name) }) != message else { return }
            logger.error(
                "cannot process label file; it is kept and retried",
                metadata: ["file": "\(name)", "error": "\(message)"])
        }
    }

    /// When a label file arrived: its inode's change time, set when it was last written and when it was renamed
    /// into watch/labels (a copy with preserved times, `cp -p`, still gets a new one). Files present at start
    /// keep the time they arrived, not the time the daemon reads them.
    static func arrival(of file: FileSystem.InputFile) -> Double {
        var info = stat()
        guard fstat(file.fd, &info) == 0 else { return Date().timeIntervalSince1970 }
        return Double(info.st_ctim.tv_sec) + Double(info.st_ctim.tv_nsec) * 1e-9
    }
}
