import ArgumentParser
import ChurnCore
import ChurnDaemon
import ChurnServe
import ChurnStore
import Logging
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the production model over HTTP only: no watching, no training (a stateless replica).",
        discussion: """
            Listens on [http] listen (default 127.0.0.1:8080; --listen overrides it) and follows the registry's \
            production alias, as churnd run does: POST /predict, POST /invocations, GET /health, GET /ready, the \
            registry views and the admin routes (docs/http.md). Predictions are appended to the prediction log \
            in watch/logs. Any number of replicas may serve one root beside one churnd run. SIGTERM/SIGINT: stop \
            accepting, answer the requests in flight, write the last log lines, exit 0.
            """)

    @OptionGroup var common: CommonOptions

    @Option(
        help: ArgumentHelp(
            "HOST:PORT to listen on instead of [http] listen; port 0 takes a free port.",
            valueName: "address"))
    var listen: String?

    @Flag(help: "Also log debug messages.")
    var verbose = false

    func run() async throws {
        let level: Logger.Level = verbose ? .debug : .info
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level) }
        _ = MetricsExport.bootstrap()  // process-global: requests are counted from here on
        let logger = Logger(label: "churnd")
        let root = try common.rootDirectory()
        var config = try common.load()
        if let listen { config.http.listen = listen }
        guard config.http.address != nil else {
            throw ValidationError(
                config.http.listen.isEmpty
                    ? "[http] listen is \"\" (off): set it, or pass --listen HOST:PORT"
                    : "\"\(config.http.listen)\" is not HOST:PORT (e.g. 127.0.0.1:8080)")
        }
        let lifecycle = try ModelLifecycle(root: root, config: config)
        let fixed = config
        let server = HTTPServer(root: root, lifecycle: lifecycle, config: { fixed }, logger: logger)
        try await Daemon.runGroup([server], stopBound: config.daemon.stopBoundSeconds, logger: logger)
    }
}
