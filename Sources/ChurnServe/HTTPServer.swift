import ChurnCore
import ChurnStore
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// churnd's HTTP side as one `Service`: the Hummingbird application on `[http] listen`, the registry follower
/// (`ServingModels`) and the prediction log's group writer. It needs no watcher: `churnd run` adds it to its
/// `ServiceGroup`, `churnd serve` runs it alone.
///
/// Shutdown: on SIGTERM the server stops accepting, answers the requests in flight, and only then does the
/// group writer write the last lines (it runs as this service's inner group's first service, so it stops last).
package final class HTTPServer: Service, Sendable {
    package let handlers: Handlers
    package let models: ServingModels
    package let log: PredictionLogGroup
    private let settings: @Sendable () -> Config
    private let logger: Logger
    private let bound = Mutex<(host: String, port: Int)?>(nil)
    private let logs: String
    private let required: Bool
    /// The registry watch this server started itself (`churnd serve`); `churnd run` hands in the daemon's.
    private let ownChanges: RegistryChanges?

    /// - Parameters:
    ///   - root: the root directory; configured paths are resolved against it.
    ///   - config: the configuration in force (read per request, so a reload applies).
    ///   - required: false inside `churnd run`: a port that cannot be bound is logged and files are still
    ///     scored; true for `churnd serve`, which then fails.
    ///   - changes: the registry's commits, shared with the daemon; nil: the server watches the registry itself.
    ///   - reloads: configuration reloads (`churnd run`); nil when the configuration is fixed.
    package init(
        root: String, lifecycle: ModelLifecycle, config: @escaping @Sendable () -> Config, logger: Logger,
        required: Bool = true, changes: RegistryChanges? = nil, reloads: ChangeSignal? = nil
    ) {
        self.required = required
        let current = config()
        let paths = current.paths
        let logs = Config.Paths.resolve(paths.watch, root: root) + "/logs"
        ownChanges = changes == nil ? (try? RegistryChanges(databasePath: lifecycle.registry.path)) : nil
        models = ServingModels(
            lifecycle: lifecycle, bounds: { config().schema.bounds }, changes: changes ?? ownChanges,
            reloads: reloads, logger: logger)
        log = PredictionLogGroup(
            writer: PredictionLogWriter(
                directory: logs, fileName: current.drift.logFile, maxBytes: { config().drift.logMaxBytes },
                logger: logger))
        handlers = Handlers(
            models: models, log: log, lifecycle: lifecycle, config: config,
            tokens: AdminTokens(
                path: current.http.adminTokenFile.isEmpty
                    ? "" : Config.Paths.resolve(current.http.adminTokenFile, root: root)),
            reports: Config.Paths.resolve(paths.state, root: root) + "/reports", root: root)
        settings = config
        self.logs = logs
        self.logger = logger
    }

    /// The address the server listens on once it runs (port 0 resolved to the one taken).
    package var address: (host: String, port: Int)? { bound.withLock { $0 } }

    package func run() async throws {
        let http = settings().http
        guard let (host, port) = http.address else {
            throw ChurnError.usage("[http] listen \"\(http.listen)\" is not HOST:PORT")
        }
        if !Self.isLoopback(host) && handlers.tokens.path.isEmpty {
            logger.notice(
                "http listening beyond loopback without an admin token file: read-only",
                metadata: ["address": "\(http.listen)"])
        }
        try FileSystem.makeDirectory(logs)
        if let problem = ownChanges?.start() {
            logger.warning(
                "cannot watch the registry for changes; checking it once a second", metadata: ["error": "\(problem)"])
        }
        defer { ownChanges?.stop() }
        let application = makeApplication(host: host, port: port, http: http)
        // The writer first: the group stops services in reverse order, so it writes after the last answer.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: log), .init(service: models), .init(service: application)],
                gracefulShutdownSignals: [], logger: logger))
        do {
            try await group.run()
        } catch let error where !required && address == nil {
            logger.error(
                "http cannot listen; scoring files only", metadata: ["address": "\(http.listen)", "error": "\(error)"])
            try? await gracefulShutdown()
        }
    }

    /// The Hummingbird application alone (tests run it with HummingbirdTesting).
    package func makeApplication(host: String, port: Int, http: Config.HTTP) -> some ApplicationProtocol {
        let router = Routes.router(handlers)
        let handlers = self.handlers
        return Application(
            router: router,
            server: .http1OnEventLoop(
                configuration: .init(idleTimeout: .milliseconds(Int64(http.idleTimeoutSeconds * 1000))),
                fastPath: { PredictFastPath(handlers: handlers, serverName: "churnd") }),
            configuration: .init(
                // Connections past max_connections wait in the kernel's accept queue (up to somaxconn).
                address: .hostname(host, port: port), serverName: "churnd", backlog: 4096,
                availableConnectionsDelegate: MaximumAvailableConnections(http.maxConnections, logger: logger)),
            onServerRunning: { channel in self.listening(host: host, port: channel.localAddress?.port ?? port) },
            logger: logger)
    }

    private func listening(host: String, port: Int) {
        bound.withLock { $0 = (host, port) }
        let shown = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        logger.info("http listening", metadata: ["address": "\(shown)"])
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
