import ArgumentParser
import ChurnCore
import ChurnDaemon
import ChurnServe
import ChurnStore
import Logging

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon in the foreground: score inbox/ into outbox/, retrain on new watch/data/ files.",
        discussion: """
            Logs to standard error (journald priorities under systemd). SIGTERM/SIGINT: stop claiming, let files \
            in hand finish, exit 0. SIGHUP: reload the configuration. Under systemd (Type=notify) it reports \
            READY, STATUS, WATCHDOG and STOPPING.
            """)

    @OptionGroup var common: CommonOptions

    @Flag(help: "Also log debug messages.")
    var verbose = false

    func run() async throws {
        OpenMP.preferPassiveWaiting()  // before anything else: workers and XGBoost share the cores
        let level: Logger.Level = verbose ? .debug : .info
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level) }
        _ = MetricsExport.bootstrap()  // process-global: the daemon's events are counted from here on
        let root = try common.rootDirectory()
        let logger = Logger(label: "churnd")
        var daemon = Daemon(root: root, configPath: common.config, logger: logger)
        // The HTTP side, on [http] listen unless it is "": a port that cannot be bound is logged, files are still
        // scored.
        daemon.addOns = [
            { start, current, signals in
                guard start.http.address != nil else { return nil }
                return HTTPServer(
                    root: root, lifecycle: try ModelLifecycle(root: root, config: start), config: current,
                    logger: logger, required: false, changes: signals.registry, reloads: signals.reloads)
            }
        ]
        do {
            try await daemon.run()
        } catch let error as DaemonError {
            throw CommandFailure(message: error.description)
        }
    }
}
