import ArgumentParser
import ChurnDaemon
import ChurnServe
import Logging

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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
        let daemon = Daemon(
            root: try common.rootDirectory(), configPath: common.config, logger: Logger(label: "churnd"))
        do {
            try await daemon.run()
        } catch let error as DaemonError {
            throw CommandFailure(message: error.description)
        }
    }
}
