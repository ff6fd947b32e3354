import Logging
import ServiceLifecycle

/// Routes the watcher's events: inbox files to the pipeline, labeled files to training, prediction-log changes
/// to drift monitoring, rescans to a scan.
final class WatcherService: Service {
    private let watcher: InotifyWatcher
    private let pipeline: InboxPipeline
    private let training: TrainingService
    private let drift: DriftService
    private let scanner: FolderScanner
    private let labels: LabelService?
    private let logger: Logger

    init(
        watcher: InotifyWatcher, pipeline: InboxPipeline, training: TrainingService, drift: DriftService,
        scanner: FolderScanner, labels: LabelService? = nil, logger: Logger
    ) {
        self.labels = labels
        self.watcher = watcher
        self.pipeline = pipeline
        self.training = training
        self.drift = drift
        self.scanner = scanner
        self.logger = logger
    }

    func run() async throws {
        // Inbox files go from the watcher's thread straight to the pipeline, which hands them to a worker.
        watcher.route(.inbox) { [pipeline] name in pipeline.offer(name: name) }
        await withGracefulShutdownHandler {
            for await event in watcher.events {
                switch event {
                case .file(.inbox, let name):  // read before `route`
                    pipeline.offer(name: name)
                case .file(.data, let name):
                    training.fileArrived(name)
                case .file(.labels, let name):
                    labels?.fileArrived(name)
                case .file(.logs, _):
                    drift.logsChanged()
                case .rescan(let reason):
                    logger.notice("watches set again, rescanning", metadata: ["reason": "\(reason)"])
                    pipeline.offer(names: scanner.scan())
                    drift.logsChanged()
                }
            }
        } onGracefulShutdown: { [watcher] in
            watcher.stop()
        }
    }
}
