import ChurnCore
import ChurnStore
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Drift monitoring in the daemon: follows the prediction logs as they change, checks the serving
/// version's last `last_n` records on a schedule, writes a report for every check (JSON; HTML on alerts) and
/// responds to alerts per the configured policy through `DriftResponse`. The loop sleeps until the next check
/// or a change to the logs (read at most once a second), and a read stops as soon as shutdown begins: a large
/// log read at start does not hold up SIGTERM.
final class DriftService: Service {
    private let paths: DaemonPaths
    private let registry: any ModelRegistry
    private let config: @Sendable () -> Config
    private let training: TrainingService
    private let logger: Logger
    private let queue = DispatchQueue(label: "churnd.drift")
    private let dirty = Atomic<Bool>(true)
    private let logsSignal = ChangeSignal()
    /// Set when graceful shutdown begins: a read in progress stops at its next 64 KiB.
    private let stopping = Atomic<Bool>(false)
    /// Least time between two reads of changed logs: a busy HTTP server appends all the time.
    static let syncSpacing = 1.0
    private let state: Mutex<State>
    let heartbeat = Heartbeat(name: "drift")

    private struct State: Sendable {
        var follower: PredictionLogFollower
        var response: DriftResponse
        /// The line counts last warned about (see `noteUnusableLines`).
        var lastWarned: [Int] = []
    }

    init(
        paths: DaemonPaths, registry: any ModelRegistry, config: @escaping @Sendable () -> Config,
        training: TrainingService, logger: Logger
    ) {
        self.paths = paths
        self.registry = registry
        self.config = config
        self.training = training
        self.logger = logger
        let current = config()
        // A drift rollback from before a restart still holds: no second rollback for the same alert.
        let response = DriftResponse(actedWhileServing: try? registry.versionLeftByDriftRollback())
        state = Mutex(
            State(
                follower: PredictionLogFollower(
                    directory: paths.logs, schema: current.schema, lastN: current.drift.lastN),
                response: response))
    }

    /// A file in `watch/logs` changed: read it before the next check (and soon, to keep memory flat).
    func logsChanged() {
        dirty.store(true, ordering: .relaxed)
        logsSignal.notify()
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
        }
    }

    private func loop() async {
        var next = monotonicSeconds() + config().drift.intervalSeconds
        var seen = logsSignal.generation
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            heartbeat.beat()
            let now = monotonicSeconds()
            var synced = false
            if now >= next {
                try? await Blocking.run(on: queue) { [self] in check() }
                next = monotonicSeconds() + config().drift.intervalSeconds
            } else if dirty.exchange(false, ordering: .relaxed) {
                try? await Blocking.run(on: queue) { [self] in sync() }
                synced = true
            }
            let spacing = synced ? min(Self.syncSpacing, max(0, next - monotonicSeconds())) : 0
            seen = await heartbeat.idle {
                if spacing > 0 { await sleepUnlessShuttingDown(seconds: spacing) }
                return await waitUnlessShuttingDown(
                    for: logsSignal, past: seen, timeout: max(0, next - monotonicSeconds()))
            }
        }
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    private func sync() {
        let current = config()
        let attribution: VersionAttribution?
        do {
            attribution = try registry.attribution()
        } catch {
            logger.error("drift: cannot read the alias history", metadata: ["error": "\(error)"])
            attribution = nil
        }
        state.withLock { state in
            if state.follower.windows.capacity != current.drift.lastN || state.follower.windows.schema != current.schema
            {
                state.follower = PredictionLogFollower(
                    directory: paths.logs, schema: current.schema, lastN: current.drift.lastN)
            }
            if let attribution { state.follower.attribution = attribution }
            state.follower.sync(until: { self.isStopping })
        }
    }

    /// One scheduled check; runs on `queue`.
    func check() {
        sync()
        guard !isStopping else { return }
        let settings = config().drift
        do {
            guard let version = try registry.servingVersion() else {
                logger.debug("drift check skipped: no production model yet")
                return
            }
            let artifact = try registry.artifact(version: version)
            let (window, windows) = state.withLock {
                ($0.follower.windows.window(version: String(version)), $0.follower.windows)
            }
            let report = DriftCheck(settings: settings.checkSettings).run(window, reference: artifact.featureStatistics)
            ChurnMetrics.driftCheck(alert: report.alert)
            let lines = windows.counts(version: String(version), used: report.records)
            let hasNewData = report.alert && settings.policy != .alert && untrainedData()
            let action = state.withLock {
                $0.response.decide(
                    alert: report.alert, serving: version, policy: settings.policy, hasNewData: hasNewData)
            }
            let decision = respond(action, report: report, version: version, lines: lines)
            try writeReports(report, version: version, decision: decision, lines: lines)
        } catch {
            logger.error("drift check failed", metadata: ["error": "\(error)"])
        }
    }

    /// Carries out the action; returns the decision in words for the report and the log.
    private func respond(_ action: DriftResponse.Action, report: DriftCheck.Report, version: Int, lines: LogLineCounts)
        -> String
    {
        var metadata: Logger.Metadata = [
            "version": "\(version)", "records": "\(report.records)", "reason": "\(report.reason)",
            "lines": "\(lines.summary)",
        ]
        if !lines.skipped.isEmpty { metadata["skipped"] = "\(lines.skippedLines.joined(separator: "; "))" }
        if let warning = lines.warning { metadata["warning"] = "\(warning)" }
        switch action {
        case .none:
            noteUnusableLines(lines, metadata: metadata)
            logger.debug("drift check: no alert", metadata: metadata)
            return report.enoughData ? "none" : "none (not enough data: \(lines.warning ?? lines.summary))"
        case .holdOff(let since):
            logger.info("drift alert persists; already acted while v\(since) serves, holding off", metadata: metadata)
            return "none: already acted on this alert; waiting for a new version"
        case .alertOnly:
            logger.warning("drift alert", metadata: metadata)
            remember(actedWhileServing: version)
            return "alert only (policy \"\(config().drift.policy.rawValue)\")"
        case .retrain:
            logger.warning("drift alert: retraining on new data", metadata: metadata)
            training.requestRun(reason: "drift alert")
            remember(actedWhileServing: version)
            return "retraining on new data"
        case .rollback(let retrain):
            var words: String
            do {
                let (from, to) = try registry.rollback(reason: "drift alert: \(report.reason)")
                words = "rolled production back from v\(from) to v\(to)"
                logger.warning("drift alert: \(words)", metadata: metadata)
                remember(actedWhileServing: to)
            } catch {
                words = "could not roll back: \(error)"
                logger.error("drift alert: \(words)", metadata: metadata)
                remember(actedWhileServing: version)
            }
            if retrain {
                training.requestRun(reason: "drift alert")
                words += "; retraining on new data"
            }
            return words
        }
    }

    /// Logs at notice level when a check could use little or nothing of the logs (most lines skipped, or no
    /// line of the serving version), once per change of the counts so a quiet daemon does not repeat it.
    private func noteUnusableLines(_ lines: LogLineCounts, metadata: Logger.Metadata) {
        guard lines.warning != nil else { return }
        let key = [lines.read, lines.used, lines.skippedTotal]
        let changed = state.withLock { state in
            defer { state.lastWarned = key }
            return state.lastWarned != key
        }
        if changed { logger.notice("drift check: prediction log lines not usable", metadata: metadata) }
    }

    private func remember(actedWhileServing version: Int) {
        state.withLock { $0.response.acted(nowServing: version) }
    }

    /// True when no run learned from the files now in `watch/data` with the current configuration: retraining
    /// after an alert waits for new labeled data (a run on the same data would make the same model again).
    private func untrainedData() -> Bool {
        guard let files = try? DataFiles.list(in: paths.data), !files.isEmpty else { return false }
        do {
            return try registry.previousRun(files: files) == nil
        } catch {
            logger.error("cannot tell whether the training data is new", metadata: ["error": "\(error)"])
            return false
        }
    }

    private func writeReports(_ report: DriftCheck.Report, version: Int, decision: String, lines: LogLineCounts)
        throws
    {
        let now = Date()
        let record = DriftRecord(
            checkedAt: now.timeIntervalSince1970, modelVersion: String(version), decision: decision, lines: lines,
            report: report)
        let page =
            report.alert
            ? DriftReportPage(
                report: report, decision: decision, checkedAt: CalendarTime.utcText(now.timeIntervalSince1970),
                modelVersion: String(version), lines: lines)
            : nil
        try DriftReports(directory: paths.reports).write(record, page: page, at: now)
    }
}
