import ChurnStore
import Dispatch
import Logging
import ServiceLifecycle

/// Follows the serving version (promoted here or by `churnd promote`/`rollback` elsewhere: it reads the
/// registry after each change `RegistryChanges` confirms), tells systemd what the daemon is doing (STATUS=, when
/// the status changes, at most four times a second), and pings the watchdog at half its timeout, but only while
/// every main loop is waiting for work or has beaten recently, so a stuck loop gets the service restarted.
/// Sends READY=1 when it starts (after start-up is done) and STOPPING=1 as shutdown begins. Idle, it sleeps.
final class SupervisorService: Service {
    private let registry: any ModelRegistry
    private let changes: RegistryChanges?
    private let pipeline: InboxPipeline
    private let status: DaemonStatus
    private let notifier: SystemdNotifier
    private let heartbeats: [Heartbeat]
    private let logger: Logger
    /// `[daemon] shutdown_grace_seconds`, read when shutdown begins.
    private let grace: @Sendable () -> Double
    private let reading = DispatchQueue(label: "churnd.registry")
    /// Least time between two STATUS= messages: a burst of files does not send one per file.
    static let statusSpacing = 0.25

    init(
        registry: any ModelRegistry, changes: RegistryChanges?, pipeline: InboxPipeline, status: DaemonStatus,
        notifier: SystemdNotifier, heartbeats: [Heartbeat], logger: Logger, grace: @escaping @Sendable () -> Double
    ) {
        self.grace = grace
        self.registry = registry
        self.changes = changes
        self.pipeline = pipeline
        self.status = status
        self.notifier = notifier
        self.heartbeats = heartbeats
        self.logger = logger
    }

    func run() async throws {
        notifier.ready()
        logger.info("ready", metadata: ["status": "\(status.snapshot.line)"])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.followRegistry() }
                await self.superviseStatus()
            }
        } onGracefulShutdown: { [notifier, pipeline, status, logger, grace] in
            notifier.stopping()
            logger.notice("\(Self.stoppingMessage(status: status.snapshot, grace: grace()))")
            pipeline.stopAccepting()
        }
    }

    /// Reads the serving version at start and after every registry change; a new one is logged, shown and
    /// handed to the pipeline (files waiting for a model go on).
    private func followRegistry() async {
        var serving = status.snapshot.serving
        var seen = changes?.signal.generation ?? 0
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let registry = self.registry
            let read: Int??
            do {
                read = .some(try await Blocking.run(on: reading) { try registry.servingVersion() })
            } catch {
                read = nil  // unreadable now: the next change (or start) tells
            }
            if let version = read, version != serving {
                serving = version
                status.update { $0.serving = version }
                logger.info("serving model changed", metadata: ["version": "\(version.map(String.init) ?? "none")"])
                pipeline.modelChanged()
            }
            if let changes {
                seen = await waitUnlessShuttingDown(for: changes.signal, past: seen)
            } else {
                // A stand-in registry (tests) has no change signal: it is asked once a second.
                await sleepUnlessShuttingDown(seconds: 1)
            }
        }
    }

    /// STATUS= when the status changes; WATCHDOG=1 at its interval while no loop is stalled.
    private func superviseStatus() async {
        let interval = notifier.watchdogPingInterval
        let retry = min(1.0, (interval ?? 4) / 2)
        let stallLimit = max(5.0, (interval ?? 5) * 2)
        var nextPing = monotonicSeconds()
        var lastStatus = ""
        var seen = status.changes.generation
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let line = status.snapshot.line
            if line != lastStatus {
                lastStatus = line
                notifier.status(line)
            }
            if let interval, monotonicSeconds() >= nextPing {
                if let stalled = heartbeats.first(where: { $0.age > stallLimit }) {
                    logger.error("loop stalled; not pinging the watchdog", metadata: ["loop": "\(stalled.name)"])
                    nextPing = monotonicSeconds() + retry
                } else {
                    notifier.watchdog()
                    nextPing = monotonicSeconds() + interval
                }
            }
            let before = seen
            seen = await waitUnlessShuttingDown(
                for: status.changes, past: seen, timeout: interval.map { _ in max(0, nextPing - monotonicSeconds()) })
            if seen != before { await sleepUnlessShuttingDown(seconds: Self.statusSpacing) }
        }
    }

    /// "stopping: 2 files in hand, waiting up to 10s", and what else shutdown waits for.
    static func stoppingMessage(status: DaemonStatus.Snapshot, grace: Double) -> String {
        let files = status.inProgress
        let seconds = grace == grace.rounded() ? "\(Int(grace))" : "\(grace)"
        var text = "stopping: \(files) file\(files == 1 ? "" : "s") in hand, waiting up to \(seconds)s"
        if status.training { text += "; the training run in progress finishes first" }
        return text
    }
}
