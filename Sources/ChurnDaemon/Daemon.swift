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

    package typealias AddOn = @Sendable (_ start: Config, _ current: @escaping @Sendable () -> Config) throws -> (
        any Service
    )?

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
        defer { withExtendedLifetime(lock) {} }
        try await run(paths: paths, settings: settings)
    }

    private func run(paths: DaemonPaths, settings: Settings) async throws {
        let config = settings.current
        try prepare(paths, polling: config.daemon.polling)
        let registry = try self.registry ?? ModelLifecycle(root: root, config: { settings.current })
        let status = DaemonStatus()
        let models = ModelCache(registry: registry, scoring: .init(config))
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
        let scan = ScanService(inbox: scanner, pipeline: pipeline, data: dataScan) {
            let daemon = settings.current.daemon
            return daemon.polling ? daemon.pollIntervalSeconds : daemon.scanIntervalSeconds
        }
        var services: [any Service] = [
            PipelineService(
                pipeline: pipeline, grace: { settings.current.daemon.shutdownGraceSeconds }, logger: logger), training,
        ]
        services += [drift, labels, RetentionService(paths: paths, config: { settings.current }, logger: logger)]
        // MLflow logging reads the SQLite registry's queue; a stand-in registry has none.
        if self.registry == nil {
            services.append(MLflowService(paths: paths, root: root, config: { settings.current }, logger: logger))
        }
        var heartbeats = [training.heartbeat, scan.heartbeat, drift.heartbeat]

        // Watches first, then what is already there: nothing dropped in between is missed.
        if !config.daemon.polling {
            let watcher = InotifyWatcher(
                folders: [
                    .init(path: paths.inbox, role: .inbox), .init(path: paths.data, role: .data),
                    .init(path: paths.logs, role: .logs), .init(path: paths.labels, role: .labels),
                ], heartbeat: Heartbeat(name: "inotify"))
            try await watcher.start()
            services.append(
                WatcherService(
                    watcher: watcher, pipeline: pipeline, training: training, drift: drift, scanner: scanner,
                    labels: labels, logger: logger))
            heartbeats.append(watcher.heartbeat)
        }
        // Every claim in processing/ is a dead daemon's: this one holds the root's lock and has claimed nothing.
        let report = try ledger.recover()
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
        for name in report.unfinished { await pipeline.offer(claimed: name) }
        let present = scanner.scan()
        await pipeline.offer(names: present)
        await training.loadLastTraining()
        await training.startUp()
        status.update { $0.serving = try? registry.servingVersion() }
        logger.info(
            "watching",
            metadata: [
                "inbox": "\(paths.inbox)", "files": "\(present.count)", "workers": "\(workers)",
                "mode": "\(config.daemon.polling ? "polling" : "inotify")",
            ])

        let reload = ReloadService(settings: settings, load: loadConfig, logger: logger) { config in
            models.update(scoring: .init(config))
            training.reconfigure(config.daemon)
        }
        let supervisor = SupervisorService(
            registry: registry, pipeline: pipeline, status: status, notifier: SystemdNotifier(),
            heartbeats: heartbeats, logger: logger, grace: { settings.current.daemon.shutdownGraceSeconds })
        services += [scan, reload, supervisor]
        // Last: on SIGTERM the HTTP server stops first (in-flight requests answered, new ones refused).
        for addOn in addOns {
            if let service = try addOn(config, { settings.current }) { services.append(service) }
        }
        // Shutdown runs in reverse order: the supervisor says STOPPING=1 first, the pipeline drains last.
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: Logger(label: "churnd.lifecycle", factory: { _ in SwiftLogNoOpLogHandler() })))
        try await group.run()
    }

    private func loadConfig() throws -> Config {
        try Config.load(file: configPath, root: root)
    }

    /// Creates missing folders and refuses folders inotify cannot watch, or that cannot be renamed between.
    private func prepare(_ paths: DaemonPaths, polling: Bool) throws {
        for folder in paths.all { try FileSystem.makeDirectory(folder) }
        if !polling {
            for folder in [paths.inbox, paths.data, paths.logs] {
                if let kind = FileSystemKind.unwatchable(at: folder) {
                    throw DaemonError.unwatchableFileSystem(path: folder, kind: kind)
                }
            }
        }
        for (a, b) in [
            (paths.inbox, paths.processing), (paths.processing, paths.archive), (paths.data, paths.quarantine),
        ]
        where System.device(of: a) != System.device(of: b) {
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
