import Logging
import ServiceLifecycle

/// The periodic reconciliation scan (every `interval` seconds): the daemon's one timer that looks for work
/// instead of being told about it, for anything the watcher missed. It scans the inbox and `watch/labels/`
/// (at start too). In polling mode it is the only way files are found, so it also scans `watch/data/`
/// (`data`): each new or changed labeled file, once settled, goes to training as inotify's event would.
final class ScanService: Service {
    /// Nil on a trainer, which scores nothing.
    private let inbox: FolderScanner?
    private let pipeline: InboxPipeline
    private let data: (scanner: FolderScanner, training: TrainingService)?
    private let labels: LabelService?
    private let interval: @Sendable () -> Double
    let heartbeat = Heartbeat(name: "scan")

    init(
        inbox: FolderScanner?, pipeline: InboxPipeline,
        data: (scanner: FolderScanner, training: TrainingService)? = nil,
        labels: LabelService? = nil, interval: @escaping @Sendable () -> Double
    ) {
        self.labels = labels
        self.inbox = inbox
        self.pipeline = pipeline
        self.data = data
        self.interval = interval
    }

    func run() async throws {
        _ = inbox?.settledNames()
        // Labeled files present at start are start-up training's business (`TrainingService.startUp`).
        data?.scanner.baseline()
        labels?.scan()
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            heartbeat.beat()
            let interval = self.interval()
            await heartbeat.idle { await sleepUnlessShuttingDown(seconds: interval) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { break }
            if let inbox { pipeline.offer(names: inbox.settledNames()) }
            if let data {
                for name in data.scanner.settledNames() { data.training.fileArrived(name) }
            }
            labels?.scan()
        }
    }
}
