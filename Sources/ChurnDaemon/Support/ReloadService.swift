import ChurnCore
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP: reads the configuration again and logs the keys that changed. Scoring options, the schema and the
/// training schedule apply to the next file or run; changed folder paths need a restart (logged).
final class ReloadService: Service {
    private let settings: Settings
    private let load: @Sendable () throws -> Config
    private let logger: Logger
    /// Applies the configuration now in force, with the keys that changed.
    private let apply: @Sendable (Config, _ changed: [String]) async -> Void

    init(
        settings: Settings, load: @escaping @Sendable () throws -> Config, logger: Logger,
        apply: @escaping @Sendable (Config, _ changed: [String]) async -> Void
    ) {
        self.settings = settings
        self.load = load
        self.logger = logger
        self.apply = apply
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                let config = try load()
                let changed = config.changedKeys(from: settings.current)
                if config.paths != settings.current.paths {
                    logger.warning("folder paths changed in the configuration: restart churnd to use them")
                }
                var applied = config
                applied.paths = settings.current.paths
                settings.replace(applied)
                if changed.isEmpty {
                    logger.info("configuration reloaded: nothing changed")
                } else {
                    logger.info("configuration reloaded", metadata: ["changed": "[\(changed.joined(separator: ","))]"])
                }
                await apply(applied, changed)
            } catch {
                logger.error("configuration not reloaded; keeping the previous one", metadata: ["error": "\(error)"])
            }
        }
    }
}
