import ChurnCore
import ChurnStore
import Dispatch
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Retrains when labeled files arrive in `watch/data/`: validates each new file (a file that fails is moved to
/// quarantine with a report and triggers nothing), then runs the registry's training per `RetrainSchedule`.
/// Training runs on its own thread; scoring goes on meanwhile. The loop sleeps until the schedule's next
/// deadline or a change to the schedule (a file accepted, a run requested, a reload): idle, it never wakes.
final class TrainingService: Service {
    private let paths: DaemonPaths
    private let ledger: OutboxLedger
    private let registry: any ModelRegistry
    private let config: @Sendable () -> Config
    private let logger: Logger
    private let status: DaemonStatus
    private let schedule: Mutex<RetrainSchedule>
    /// Bumped after each change to `schedule`.
    private let scheduleChanged = ChangeSignal()
    private let validation = DispatchQueue(label: "churnd.validate")
    private let training = DispatchQueue(label: "churnd.train")
    let heartbeat = Heartbeat(name: "training")
    /// How often a long training run logs where it is.
    let progressLogSeconds: Double

    init(
        paths: DaemonPaths, ledger: OutboxLedger, registry: any ModelRegistry,
        config: @escaping @Sendable () -> Config, logger: Logger, status: DaemonStatus, progressLogSeconds: Double = 10
    ) {
        self.progressLogSeconds = progressLogSeconds
        self.paths = paths
        self.ledger = ledger
        self.registry = registry
        self.config = config
        self.logger = logger
        self.status = status
        let daemon = config().daemon
        schedule = Mutex(RetrainSchedule(quiet: daemon.quietSeconds, maxWait: daemon.maxQuietSeconds))
    }

    /// Applies a reloaded configuration to the next bursts.
    func reconfigure(_ daemon: Config.Daemon) {
        schedule.withLock {
            $0.quiet = daemon.quietSeconds
            $0.maxWait = max(daemon.quietSeconds, daemon.maxQuietSeconds)
        }
        scheduleChanged.notify()
    }

    /// Start-up: train at once when no run learned from the files in `watch/data` with this configuration
    /// (whatever became of it), so a restart on unchanged data trains nothing.
    func startUp() async {
        await trainUnlessTrainedOn(reloaded: false)
    }

    /// After a reload that changed keys: a key that shapes the model (the schema, the families, their settings,
    /// the seed or split) changes the fingerprint, so the files in `watch/data` are trained on again with it;
    /// any other key leaves the fingerprint, and training, as they were.
    func configurationReloaded() async {
        await trainUnlessTrainedOn(reloaded: true)
    }

    private func trainUnlessTrainedOn(reloaded: Bool) async {
        let files = (try? DataFiles.list(in: paths.data)) ?? []
        guard !files.isEmpty else { return }
        let registry = self.registry
        do {
            if let previous = try await Blocking.run(on: validation, { try registry.previousRun(files: files) }) {
                if !reloaded {
                    logger.info(
                        "training data already trained on: not training",
                        metadata: metadata(previous, files: files.count))
                }
                return
            }
            logger.info(
                reloaded
                    ? "training configuration changed and the training data was not trained on with it: training now"
                    : "training data not trained on yet: training now",
                metadata: ["files": "\(files.count)"])
        } catch {
            logger.error(
                "cannot tell whether the training data was trained on: training now",
                metadata: ["files": "\(files.count)", "error": "\(error)"])
        }
        schedule.withLock { $0.requestNow(at: monotonicSeconds()) }
        scheduleChanged.notify()
    }

    private func metadata(_ run: TrainingRunRecord, files: Int) -> Logger.Metadata {
        [
            "files": "\(files)", "run": "\(run.id ?? 0)", "outcome": "\(run.briefOutcome)",
            "at": "\(CalendarTime.utcText(run.finishedAt))",
        ]
    }

    /// Asks for a training run as soon as the current one (if any) is done, e.g. after a drift alert.
    func requestRun(reason: String) {
        logger.info("training requested", metadata: ["reason": "\(reason)"])
        schedule.withLock { $0.requestNow(at: monotonicSeconds()) }
        scheduleChanged.notify()
    }

    /// A complete file appeared in `watch/data/` (name relative to it).
    func fileArrived(_ name: String) {
        guard name.lowercased().hasSuffix(".csv"), !name.contains("/") else { return }
        let path = "\(paths.data)/\(name)"
        let config = self.config
        let paths = self.paths
        validation.async { [self] in
            do {
                let (_, refused) = try DataFiles.load([path], config: config())
                if let reason = refused.first {
                    let movedTo = try ledger.quarantine(
                        path, problem: reason,
                        advice: "It does not trigger training. Fix it and copy it into \(paths.data)/ again.")
                    ChurnMetrics.fileQuarantined(.data)
                    logger.warning(
                        "training file refused, moved to quarantine; it does not trigger training",
                        metadata: ["file": "\(name)", "reason": "\(reason)", "moved_to": "\(movedTo)"])
                    return
                }
                schedule.withLock { $0.fileArrived(at: monotonicSeconds()) }
                scheduleChanged.notify()
                logger.info("training file accepted", metadata: ["file": "\(name)"])
            } catch {
                logger.error("cannot validate training file", metadata: ["file": "\(name)", "error": "\(error)"])
            }
        }
    }

    func run() async throws {
        var seen = scheduleChanged.generation
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            heartbeat.beat()
            let now = monotonicSeconds()
            if schedule.withLock({ $0.startIfDue(at: now) }) {
                await trainOnce()
                schedule.withLock { $0.trainingFinished() }
                continue
            }
            let timeout = schedule.withLock { $0.deadline }.map { max(0, $0 - now) }
            seen = await heartbeat.idle {
                await waitUnlessShuttingDown(for: scheduleChanged, past: seen, timeout: timeout)
            }
        }
    }

    private func trainOnce() async {
        let files = (try? DataFiles.list(in: paths.data)) ?? []
        guard !files.isEmpty else { return }
        let registry = self.registry
        logger.info("training started", metadata: ["files": "\(files.count)"])
        status.update { $0.training = true }
        let started = monotonicSeconds()
        let logger = self.logger
        let interval = progressLogSeconds
        let heartbeat = self.heartbeat
        let summary: String
        let note: TrainingNote?
        do {
            // Past the daemon's stop bound the task is cancelled: the run is dropped unrecorded.
            let decision = try await Blocking.runAbandoningOnCancel(on: training) {
                // Long runs say where they are now and then; short ones only start and finish. Every step of a
                // run (rows read, a family started, a boosting round) is a beat: a long run that makes progress
                // keeps the watchdog fed, a stuck one does not.
                var throttle = ProgressThrottle(interval: interval, startingAt: started)
                return try registry.train(files: files) { progress in
                    heartbeat.beat()
                    guard throttle.isDue(at: monotonicSeconds()) else { return }
                    logger.info("training in progress", metadata: Self.metadata(progress, since: started))
                }
            }
            // The same data and configuration make the same model: the registry trains only something new.
            switch decision {
            case .alreadyTrained(let previous):
                logger.info(
                    "training skipped: these files were already trained on with this configuration",
                    metadata: metadata(previous, files: files.count))
                status.update { $0.training = false }
                return
            case .trained(let outcome):
                let refused = outcome.refusedFiles.count
                summary =
                    outcome.summary + (refused == 0 ? "" : " (\(refused) file\(refused == 1 ? "" : "s") refused)")
                note = TrainingNote(outcome.run)
            }
        } catch is CancellationError {
            logger.warning("training abandoned: the daemon is stopping; the next start trains again")
            return
        } catch {
            summary = "failed: \(error)"
            note = TrainingNote(outcome: .failed, version: nil, champion: nil, finishedAt: wallSeconds())
        }
        let elapsed = monotonicSeconds() - started
        logger.info("training finished", metadata: ["outcome": "\(summary)", "seconds": "\(Int(elapsed.rounded()))"])
        ChurnMetrics.trainingRun(outcome: (note?.outcome ?? .failed).rawValue, seconds: elapsed)
        status.update {
            $0.training = false
            $0.lastTraining = note ?? $0.lastTraining
        }
    }

    /// What a progress log line carries: rows, family, boosting round, seconds so far.
    static func metadata(_ progress: TrainingProgress, since started: Double) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "rows": "\(progress.rows)", "seconds": "\(Int((monotonicSeconds() - started).rounded()))",
        ]
        if let family = progress.family { metadata["family"] = "\(family)" }
        if let round = progress.round { metadata["round"] = "\(round)" }
        if let maxRounds = progress.maxRounds { metadata["max_rounds"] = "\(maxRounds)" }
        return metadata
    }

    /// The status line starts with the last run the registry knows, from before this start too.
    func loadLastTraining() async {
        let registry = self.registry
        let note = try? await Blocking.run(on: training) { try registry.lastTraining() }
        if let note { status.update { $0.lastTraining = $0.lastTraining ?? note } }
    }
}
