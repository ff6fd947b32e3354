import ChurnCore
import ChurnMLflow
import ChurnStore
import Dispatch
import Logging
import ServiceLifecycle

/// Logs the registry's training runs and drift reports to MLflow while `[mlflow] tracking_uri` is set (a
/// reload may set or clear it). Every second it queues what is new and logs what is due; while MLflow is
/// unreachable it waits 1, 2, 4 … 30 s between tries and says so once per outage, never blocking training
/// or scoring: the queue lives in the registry, so nothing is lost across restarts either.
///
/// Polling MLflow itself is the one timer here (an outside server tells nothing); a change in the local registry
/// (a training run, a promotion here or by `churnd promote`) starts a pass at once through `changes`, and a
/// reload that turns MLflow on through `reloads`. Turned off, the service only waits for a reload.
final class MLflowService: Service {
    private let paths: DaemonPaths
    private let root: String
    private let config: @Sendable () -> Config
    private let changes: RegistryChanges?
    private let reloads: ChangeSignal
    private let logger: Logger
    private let queue = DispatchQueue(label: "churnd.mlflow")
    /// Least time between two passes: a pass's own writes to the registry wake it once more, no faster.
    static let passSpacing = 0.25

    init(
        paths: DaemonPaths, root: String, config: @escaping @Sendable () -> Config, changes: RegistryChanges?,
        reloads: ChangeSignal, logger: Logger
    ) {
        self.paths = paths
        self.root = root
        self.config = config
        self.changes = changes
        self.reloads = reloads
        self.logger = logger
    }

    func run() async throws {
        var registry: Registry?
        var failures = 0
        var outage: String?
        var seenReload = reloads.generation
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let config = self.config()
            guard config.mlflow.enabled else {
                seenReload = await waitUnlessShuttingDown(for: reloads, past: seenReload)
                continue
            }
            let started = monotonicSeconds()
            let seenRegistry = changes?.signal.generation ?? 0
            seenReload = reloads.generation
            let paths = self.paths
            let root = self.root
            let opened = registry
            let result: Result<(Registry, MLflowTracker.Pass), any Error>
            do {
                result = .success(
                    try await Blocking.run(on: queue) {
                        let store =
                            try opened
                            ?? Registry(stateDirectory: Config.Paths.resolve(config.paths.state, root: root))
                        let tracker = MLflowTracker(config: config, registry: store, reportsDirectory: paths.reports)
                        return (store, try tracker.pass())
                    })
            } catch {
                result = .failure(error)
            }
            // Following MLflow's aliases polls twice a second: a move there serves within 2 s.
            var wait = config.registry.backend == .mlflow ? 0.5 : 1.0
            switch result {
            case .success(let (store, pass)):
                registry = store
                for note in pass.aliases {
                    switch note.kind {
                    case .followed:
                        logger.notice("\(note.text)", metadata: ["alias": "\(note.alias)", "actor": "mlflow"])
                    case .published:
                        logger.notice("\(note.text)", metadata: ["alias": "\(note.alias)"])
                    case .refused:
                        logger.warning("\(note.text)", metadata: ["alias": "\(note.alias)"])
                    }
                }
                for failure in pass.failures {
                    logger.warning("cannot log to MLflow; trying again later", metadata: ["error": "\(failure)"])
                }
                if let error = pass.stoppedBy {
                    failures += 1
                    wait = min(30, Double(1 << min(failures - 1, 5)))
                    if outage == nil {
                        outage = error.description
                        logger.warning(
                            """
                            MLflow unreachable: training runs stay queued in the registry and are logged when it \
                            returns; training and scoring go on
                            """,
                            metadata: [
                                "tracking_uri": "\(config.mlflow.trackingURI)", "error": "\(error)",
                                "queued": "\(pass.pending)",
                            ])
                    }
                } else {
                    if outage != nil {
                        logger.info(
                            "MLflow reachable again: logging the queue",
                            metadata: ["tracking_uri": "\(config.mlflow.trackingURI)", "queued": "\(pass.pending)"])
                    }
                    outage = nil
                    failures = 0
                }
                if pass.logged > 0 {
                    logger.info(
                        "logged to MLflow",
                        metadata: [
                            "items": "\(pass.logged)", "still_queued": "\(pass.pending)",
                            "experiment": "\(config.mlflow.experiment)",
                        ])
                }
            case .failure(let error):
                failures += 1
                wait = min(30, Double(1 << min(failures - 1, 5)))
                if outage == nil {
                    outage = "\(error)"
                    logger.error("cannot read the MLflow queue in the registry", metadata: ["error": "\(error)"])
                }
            }
            var signals = [(signal: reloads, seen: seenReload)]
            if let changes { signals.append((changes.signal, seenRegistry)) }
            await waitUnlessShuttingDown(forAny: signals, timeout: wait)
            let spacing = started + Self.passSpacing - monotonicSeconds()
            if spacing > 0 { await sleepUnlessShuttingDown(seconds: spacing) }
        }
    }
}
