import Logging
import ServiceLifecycle

/// The periodic reconciliation scan of the inbox (every `interval` seconds). In polling mode it is the only
/// way files are found, so it also scans `watch/data/` (`data`): each new or changed labeled file, once
/// settled, goes to training as inotify's event would.
final class ScanService: Service {
    /// Nil on a trainer, which scores nothing.
    private let inbox: FolderScanner?
    private let pipeline: InboxPipeline
    private let data: (scanner: FolderScanner, training: TrainingService)?
    private let interval: @Sendable () -> Double
    let heartbeat = Heartbeat(name: "scan")

    init(
        inbox: FolderScanner?, pipeline: InboxPipeline, data: (scanner: FolderScanner, training: TrainingService)? = nil,
        interval: @escaping @Sendable () -> Double
    ) {
        self.inbox = inbox
        self.pipeline = pipeline
        self.data = data
        self.interval = interval
    }

    func run() async throws {
        _ = inbox?.settledNames()
        // Labeled files present at start are start-up training's business (`TrainingService.startUp`).
        data?.scanner.baseline()
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            heartbeat.beat()
            var slept = 0.0
            let target = interval()
            while slept < target, !Task.isShuttingDownGracefully, !Task.isCancelled {
                let step = min(2.0, target - slept)  // beats at least every 2 s (the stall limit is >= 5 s)
                await sleepUnlessShuttingDown(seconds: step)
                slept += step
                heartbeat.beat()
            }
            guard !Task.isShuttingDownGracefully else { break }
            if let inbox { await pipeline.offer(names: inbox.settledNames()) }
            if let data {
                for name in data.scanner.settledNames() { data.training.fileArrived(name) }
            }
        }
    }
}
