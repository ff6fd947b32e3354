import ChurnCore
import ChurnStore
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `churnd run`: sets up the folders, the watches, recovery and the start-up scan, then runs every loop as a
/// `Service` in one `ServiceGroup` (SIGTERM/SIGINT: graceful shutdown; SIGHUP: reload the configuration).
package struct Daemon: Sendable {
    package var root: String
    package var configPath: String?
    package var registry: (any ModelRegistry)?
    package var logger: Logger
    /// Services that run beside the daemon's own (the HTTP server, wired by the executable), built from the
    /// configuration at start and the one in force (a reload replaces it); nil for one that is turned off.
    /// They are stopped first on shutdown.
    package var addOns: [AddOn] = []

    package typealias AddOn =
        @Sendable (
            _ start: Config, _ current: @escaping @Sendable () -> Config, _ signals: Signals
        ) throws -> (any Service)?

    /// What an add-on can wait on instead of polling: the registry's commits (nil for a stand-in registry) and
    /// configuration reloads.
    package struct Signals: Sendable {
        package var registry: RegistryChanges?
        package var reloads: ChangeSignal
    }

    /// - Parameters:
    ///   - configPath: the configuration file; nil for `ROOT/churnd.toml` when present, else the defaults.
    ///   - registry: nil for the SQLite registry under the configured state directory.
    package init(root: String, configPath: String?, registry: (any ModelRegistry)? = nil, logger: Logger) {
        self.root = root
        self.configPath = configPath
        self.registry = registry
        self.logger = logger
    }

    package func run() async throws {
        let settings = Settings(try loadConfig())
        let config = settings.current
        let paths = DaemonPaths(root: root, config: config)
        // Before anything else is created, recovered or written: a second daemon on this root stops here.
        try FileSystem.makeDirectory(paths.state)
        let lock = try RootLock(path: paths.lock, root: root, now: wallSeconds())
        // A scorer on a shared inbox also takes its node name there: its claims are its own (see SharedInbox).
        let shared = try config.cluster.sharedInbox ? SharedInbox(paths: paths, now: wallSeconds()) : nil
        defer { withExtendedLifetime((lock, shared)) {} }
        try await run(paths: paths, settings: settings)
    }

    private func run(paths: DaemonPaths, settings: Settings) async throws {
        let config = settings.current
        let cluster = config.cluster
        try prepare(paths, polling: config.daemon.polling, cluster: cluster)
        let lifecycle: ModelLifecycle?
        let registry: any ModelRegistry
        if let given = self.registry {
            (lifecycle, registry) = (nil, given)
        } else {
            let own = try ModelLifecycle(root: root, config: { settings.current })
            (lifecycle, registry) = (own, own)
        }
        // One signal for every follower of the registry (see `RegistryChanges` for how it sees commits).
        let changes = try lifecycle.map { try RegistryChanges(databasePath: $0.registry.path) }
        if let problem = changes?.start() {
            logger.warning(
                "cannot watch the registry for changes; checking it once a second", metadata: ["error": "\(problem)"])
        }
        defer { changes?.stop() }
        let reloads = ChangeSignal()
        let status = DaemonStatus()
        let models = ModelCache(registry: registry, changes: changes, scoring: .init(config))
        let ledger = OutboxLedger(folders: paths.outboxFolders) { [logger] what, error in
            logger.error(
                "cannot archive published inputs; the next start finishes them",
                metadata: ["file": "\(what)", "error": "\(error)"])
        }
        let workers = config.daemon.workers > 0 ? config.daemon.workers : max(2, System.coreCount)
        let pipeline = InboxPipeline(
            job: InboxJob(
                paths: paths, models: models, ledger: ledger,
                predictionLog: PredictionLogWriter(
                    directory: paths.logs, fileName: config.drift.logFile,
                    maxBytes: { settings.current.drift.logMaxBytes }, logger: logger),
                sampleRows: { settings.current.drift.sampleRowsPerFile },
                shadow: ShadowScorer(
                    registry: registry, enabled: { settings.current.shadow.enabled },
                    serveFraction: { settings.current.shadow.serveFraction })),
            workers: workers, logger: logger,
            status: status)
        let training = TrainingService(
            paths: paths, ledger: ledger, registry: registry, config: { settings.current }, logger: logger,
            status: status)
        let drift = DriftService(
            paths: paths, registry: registry, config: { settings.current }, training: training, logger: logger)
        let labels = LabelService(
            paths: paths, ledger: ledger, registry: registry, config: { settings.current }, logger: logger)
        let scanner = FolderScanner(folder: paths.inbox)
        let dataScan =
            config.daemon.polling ? (scanner: FolderScanner(folder: paths.data, once: true), training: training) : nil
        let scan = ScanService(
            inbox: cluster.scores ? scanner : nil, pipeline: pipeline, data: cluster.trains ? dataScan : nil,
            labels: cluster.trains ? labels : nil
        ) {
            let daemon = settings.current.daemon
            return daemon.polling ? daemon.pollIntervalSeconds : daemon.scanIntervalSeconds
        }
        var services: [any Service] = [
            PipelineService(pipeline: pipeline, grace: { settings.current.daemon.shutdownGraceSeconds }, logger: logger)
        ]
        // A scorer never trains nor judges drift (the trainer does, for every scorer); a trainer scores nothing.
        if cluster.trains { services += [training, drift] }
        services.append(RetentionService(paths: paths, config: { settings.current }, logger: logger))
        // MLflow logging reads the SQLite registry's queue; a stand-in registry has none.
        if self.registry == nil {
            services.append(
                MLflowService(
                    paths: paths, root: root, config: { settings.current }, changes: changes, reloads: reloads,
                    logger: logger))
        }
        var heartbeats = cluster.trains ? [training.heartbeat, scan.heartbeat, drift.heartbeat] : [scan.heartbeat]

        // Watches first, then what is already there: nothing dropped in between is missed.
        if !config.daemon.polling {
            var folders: [InotifyWatcher.Folder] = []
            if cluster.scores { folders.append(.init(path: paths.inbox, role: .inbox)) }
            if cluster.trains {
                folders += [
                    .init(path: paths.data, role: .data), .init(path: paths.logs, role: .logs),
                    .init(path: paths.labels, role: .labels),
                ]
            }
            let watcher = InotifyWatcher(folders: folders, heartbeat: Heartbeat(name: "inotify"))
            try await watcher.start()
            services.append(
                WatcherService(
                    watcher: watcher, pipeline: pipeline, training: training, drift: drift, scanner: scanner,
                    labels: labels, logger: logger))
            heartbeats.append(watcher.heartbeat)
        }
        // Every claim in processing/ is a dead daemon's: this one holds the root's lock and has claimed nothing.
        let report = try cluster.scores ? ledger.recover() : OutboxLedger.RecoveryReport()
        if report.published + report.discarded + report.unfinished.count > 0 {
            logger.notice(
                "recovered after an interrupted run",
                metadata: [
                    "published": "\(report.published)", "rescoring": "\(report.unfinished.count)",
                    "discarded": "\(report.discarded)",
                ])
        }
        // Load the serving model now rather than on the first file, which would wait for it.
        _ = try? models.current()
        for name in report.unfinished { pipeline.offer(claimed: name) }
        let present = cluster.scores ? scanner.scan() : []
        pipeline.offer(names: present)
        if cluster.trains {
            await training.loadLastTraining()
            await training.startUp()
        }
        status.update { $0.serving = try? registry.servingVersion() }
        logger.info(
            "watching",
            metadata: [
                "inbox": "\(paths.inbox)", "files": "\(present.count)", "workers": "\(workers)",
                "mode": "\(config.daemon.polling ? "polling" : "inotify")", "role": "\(cluster.role.rawValue)",
                "node": "\(cluster.sharedInbox ? paths.node : "-")",
            ])

        let reload = ReloadService(settings: settings, load: loadConfig, logger: logger) { config, changed in
            models.update(scoring: .init(config))
            training.reconfigure(config.daemon)
            reloads.notify()
            if cluster.trains, !changed.isEmpty { await training.configurationReloaded() }
        }
        let supervisor = SupervisorService(
            registry: registry, changes: changes, pipeline: pipeline, status: status, notifier: SystemdNotifier(),
            heartbeats: heartbeats, logger: logger, grace: { settings.current.daemon.shutdownGraceSeconds })
        services += [scan, reload, supervisor]
        // Last: on SIGTERM the HTTP server stops first (in-flight requests answered, new ones refused).
        let signals = Signals(registry: changes, reloads: reloads)
        for addOn in addOns {
            if let service = try addOn(config, { settings.current }, signals) { services.append(service) }
        }
        // Shutdown runs in reverse order: the supervisor says STOPPING=1 first, the pipeline drains last.
        try await Self.runGroup(services, stopBound: config.daemon.stopBoundSeconds, logger: logger)
    }

    /// Runs `services` in one `ServiceGroup` with SIGTERM/SIGINT as graceful shutdown, the daemon's logger, and
    /// a bound on the stop: after `stopBound` seconds what still runs is cancelled, and if that does not end it
    /// within `cancellationBound` more, the process ends (under systemd, before `TimeoutStopSec` kills it).
    package static func runGroup(_ services: [any Service], stopBound: Double, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64(stopBound * 1000))
        configuration.maximumCancellationDuration = .seconds(cancellationBound)
        try await ServiceGroup(configuration: configuration).run()
    }

    /// Seconds a cancelled service gets to end after the stop bound.
    package static let cancellationBound: Int64 = 3

    private func loadConfig() throws -> Config {
        try Config.load(file: configPath, root: root)
    }

    /// Creates missing folders and refuses folders inotify cannot watch, or that cannot be renamed between.
    private func prepare(_ paths: DaemonPaths, polling: Bool, cluster: Config.Cluster) throws {
        for folder in paths.all { try FileSystem.makeDirectory(folder) }
        var watched: [String] = []
        if cluster.scores { watched.append(paths.inbox) }
        if cluster.trains { watched += [paths.data, paths.logs] }
        if !polling {
            for folder in watched {
                if let kind = FileSystemKind.unwatchable(at: folder) {
                    throw DaemonError.unwatchableFileSystem(path: folder, kind: kind)
                }
            }
        }
        var renamed: [(String, String)] = []
        if cluster.scores { renamed += [(paths.inbox, paths.processing), (paths.processing, paths.archive)] }
        if cluster.trains { renamed.append((paths.data, paths.quarantine)) }
        for (a, b) in renamed where System.device(of: a) != System.device(of: b) {
            throw DaemonError.differentFileSystems(a, b)
        }
    }
}

extension ModelCache.Scoring {
    init(_ config: Config) {
        self.init(
            passthrough: config.scoring.passthrough, maxRecordBytes: config.scoring.maxRecordBytes,
            bounds: config.schema.bounds)
    }
}

/// The configuration in force; SIGHUP replaces it.
final class Settings: Sendable {
    private let value: Mutex<Config>

    init(_ config: Config) {
        value = Mutex(config)
    }

    var current: Config { value.withLock { $0 } }

    func replace(_ config: Config) {
        value.withLock { $0 = config }
    }
}
