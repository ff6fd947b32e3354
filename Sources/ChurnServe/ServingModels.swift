import ChurnCore
import ChurnStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The versions the HTTP side serves: `production` (the champion) and `challenger`, with their scorers.
///
/// A read of the registry's aliases (one indexed SQLite read) after every registry commit, by whoever made it
/// (this daemon, the CLI, another process: `RegistryChanges` sees them all), and after every reload, swaps in a
/// new `Snapshot`; a request takes the snapshot once at its start, so it finishes on the version it started
/// with. A scorer is built once per version (and again when the configured bounds change on reload). Between
/// changes it sleeps.
package final class ServingModels: Service, Sendable {
    /// What serves now.
    package struct Snapshot: Sendable {
        package var version: Int
        package var scorer: Scorer
        /// Seconds since 1970 when this process started serving `version`.
        package var since: Double
        package var challenger: (version: Int, scorer: Scorer)?
    }

    private struct State {
        var snapshot: Snapshot?
        /// Why nothing serves (no production alias, unreadable registry or artifact); nil while serving.
        var problem: String?
        var bounds: [String: Bounds] = [:]
    }

    package let lifecycle: ModelLifecycle
    private let bounds: @Sendable () -> [String: Bounds]
    private let changes: RegistryChanges?
    private let reloads: ChangeSignal?
    private let logger: Logger
    private let state = Mutex(State(snapshot: nil, problem: "not loaded yet"))

    /// - Parameters:
    ///   - bounds: `[schema.bounds]` of the configuration in force, read at each refresh.
    ///   - changes: the registry's commits; nil (the registry cannot be watched) reads it once a second.
    ///   - reloads: configuration reloads (nil when the configuration is fixed).
    package init(
        lifecycle: ModelLifecycle, bounds: @escaping @Sendable () -> [String: Bounds], changes: RegistryChanges?,
        reloads: ChangeSignal? = nil, logger: Logger
    ) {
        self.lifecycle = lifecycle
        self.bounds = bounds
        self.changes = changes
        self.reloads = reloads
        self.logger = logger
    }

    /// The snapshot to score a request with, or nil when nothing serves.
    package var current: Snapshot? { state.withLock { $0.snapshot } }

    /// Why nothing serves, or nil when a production version is loaded and the registry was readable at the
    /// last poll.
    package var notReady: String? { state.withLock { $0.snapshot == nil || $0.problem != nil ? $0.problem : nil } }

    package func run() async throws {
        var seen = generations
        refresh()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var signals: [(signal: ChangeSignal, seen: UInt64)] = []
            if let changes { signals.append((changes.signal, seen.registry)) }
            if let reloads { signals.append((reloads, seen.reload)) }
            let (waitFor, timeout) = (signals, changes == nil ? 1.0 : nil)
            await cancelWhenGracefulShutdown { await ChangeSignal.wait(forAny: waitFor, timeout: timeout) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { break }
            seen = generations
            refresh()
        }
    }

    private var generations: (registry: UInt64, reload: UInt64) {
        (changes?.signal.generation ?? 0, reloads?.generation ?? 0)
    }

    /// Reads the aliases once and loads what changed.
    package func refresh() {
        let bounds = bounds()
        let previous = state.withLock { $0 }
        let aliases: [AliasRecord]
        do {
            aliases = try lifecycle.registry.aliases(model: lifecycle.modelName)
        } catch {
            report("cannot read the registry: \(error)")
            return
        }
        guard let production = aliases.first(where: { $0.name == AliasName.production })?.version else {
            state.withLock {
                $0.snapshot = nil
                $0.problem = "no production version of \(lifecycle.modelName) yet: train or promote one"
            }
            return
        }
        let boundsChanged = bounds != previous.bounds
        var snapshot: Snapshot
        if let old = previous.snapshot, old.version == production, !boundsChanged {
            snapshot = old
        } else {
            do {
                snapshot = Snapshot(
                    version: production, scorer: try scorer(version: production, bounds: bounds),
                    since: aliases.first { $0.name == AliasName.production }?.movedAt ?? Date().timeIntervalSince1970,
                    challenger: nil)
            } catch {
                report("cannot load production version \(production): \(error)")
                return
            }
            if previous.snapshot?.version != production {
                logger.info("http serving", metadata: ["version": "\(production)"])
            }
        }
        snapshot.challenger = nil
        if let version = aliases.first(where: { $0.name == AliasName.challenger })?.version, version != production {
            if let old = previous.snapshot?.challenger, old.version == version {
                snapshot.challenger = old
            } else if let scorer = try? scorer(version: version, bounds: [:]) {
                snapshot.challenger = (version, scorer)
            }
        }
        state.withLock {
            $0.snapshot = snapshot
            $0.problem = nil
            $0.bounds = bounds
        }
    }

    private func scorer(version: Int, bounds: [String: Bounds]) throws -> Scorer {
        let artifact = try lifecycle.loadArtifact(version: version)
        return Scorer(artifact: artifact, versionLabel: String(version), bounds: bounds, nthread: 1)
    }

    /// Keeps the last snapshot (a registry hiccup does not stop serving) but reports not ready.
    private func report(_ problem: String) {
        let changed = state.withLock { state in
            defer { state.problem = problem }
            return state.problem != problem
        }
        if changed { logger.error("http cannot follow the registry", metadata: ["error": "\(problem)"]) }
    }
}
