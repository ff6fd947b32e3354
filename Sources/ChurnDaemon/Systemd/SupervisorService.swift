import Dispatch
import Logging
import ServiceLifecycle

/// Once a second: notices a new serving version (promoted here or by `churnd promote`/`rollback` elsewhere),
/// tells systemd what the daemon is doing (STATUS=), and pings the watchdog at half its timeout, but only
/// while every main loop has beaten recently, so a stuck loop gets the service restarted. Sends READY=1 when
/// it starts (after start-up is done) and STOPPING=1 as shutdown begins.
final class SupervisorService: Service {
    private let registry: any ModelRegistry
    private let pipeline: InboxPipeline
    private let status: DaemonStatus
    private let notifier: SystemdNotifier
    private let heartbeats: [Heartbeat]
    private let logger: Logger
    /// `[daemon] shutdown_grace_seconds`, read when shutdown begins.
    private let grace: @Sendable () -> Double
    private let polling = DispatchQueue(label: "churnd.registry")

    init(
        registry: any ModelRegistry, pipeline: InboxPipeline, status: DaemonStatus, notifier: SystemdNotifier,
        heartbeats: [Heartbeat], logger: Logger, grace: @escaping @Sendable () -> Double
    ) {
        self.grace = grace
        self.registry = registry
        self.pipeline = pipeline
        self.status = status
        self.notifier = notifier
        self.heartbeats = heartbeats
        self.logger = logger
    }

    func run() async throws {
        let interval = notifier.watchdogPingInterval
        let tick = min(1.0, (interval ?? 4) / 2)
        let stallLimit = max(5.0, (interval ?? 5) * 2)
        var lastPing = -Double.infinity
        var lastStatus = ""
        var serving = status.snapshot.serving
        var stamp: [FileStamp]?
        var lastRead = -Double.infinity
        notifier.ready()
        logger.info("ready", metadata: ["status": "\(status.snapshot.line)"])
        await withGracefulShutdownHandler {
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                let registry = self.registry
                // One SQLite read only when the registry's files changed (or every 30 s): idle costs nothing.
                let current = registry.changeStamp()
                var version: Int??
                if current == nil || current != stamp || monotonicSeconds() - lastRead > 30 {
                    version = try? await Blocking.run(on: polling) { try registry.servingVersion() }
                    stamp = current
                    lastRead = monotonicSeconds()
                }
                if let version, version != serving {
                    serving = version
                    status.update { $0.serving = version }
                    logger.info("serving model changed", metadata: ["version": "\(version.map(String.init) ?? "none")"])
                    await pipeline.modelChanged()
                }
                let line = status.snapshot.line
                if line != lastStatus {
                    lastStatus = line
                    notifier.status(line)
                }
                let now = monotonicSeconds()
                if let interval, now - lastPing >= interval - tick / 2 {
                    if let stalled = heartbeats.first(where: { $0.age > stallLimit }) {
                        logger.error("loop stalled; not pinging the watchdog", metadata: ["loop": "\(stalled.name)"])
                    } else {
                        notifier.watchdog()
                        lastPing = now
                    }
                }
                await sleepUnlessShuttingDown(seconds: tick)
            }
        } onGracefulShutdown: { [notifier, pipeline, status, logger, grace] in
            notifier.stopping()
            logger.notice("\(Self.stoppingMessage(status: status.snapshot, grace: grace()))")
            Task { await pipeline.stopAccepting() }
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
