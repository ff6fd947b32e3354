import ChurnCore
import Dispatch
import Logging
import ServiceLifecycle

/// Applies `[retention]` at start and then every hour (not on the 2 s beat: pruning is never urgent), with
/// the configuration in force at each pass.
final class RetentionService: Service {
    private let paths: DaemonPaths
    private let config: @Sendable () -> Config
    private let logger: Logger
    private let intervalSeconds: Double
    private let queue = DispatchQueue(label: "churnd.retention")

    init(
        paths: DaemonPaths, config: @escaping @Sendable () -> Config, logger: Logger, intervalSeconds: Double = 3600
    ) {
        self.paths = paths
        self.config = config
        self.logger = logger
        self.intervalSeconds = intervalSeconds
    }

    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let retention = Retention(config().retention)
            let paths = self.paths
            if let pruned = try? await Blocking.run(on: queue, { retention.prune(paths, now: wallSeconds()) }) {
                if pruned.archive + pruned.reports > 0 {
                    logger.info(
                        "pruned state",
                        metadata: [
                            "archived_inputs": "\(pruned.archive)", "report_files": "\(pruned.reports)",
                            "archive_days": "\(retention.archiveDays)", "reports_keep": "\(retention.reportsKeep)",
                        ])
                }
                for failure in pruned.failures {
                    logger.warning("cannot prune; trying again in an hour", metadata: ["error": "\(failure)"])
                }
            }
            await sleepUnlessShuttingDown(seconds: intervalSeconds)
        }
    }
}
