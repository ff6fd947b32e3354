import ChurnCore
import Synchronization

/// The scorer for the version serving now. Asks the registry before each file (cheap) and builds a new
/// `Scorer` only when the version changed, so a promotion applies to the next file and a file in progress
/// keeps the scorer it started with.
final class ModelCache: Sendable {
    struct Scoring: Equatable, Sendable {
        var passthrough: Bool
        var maxRecordBytes: Int
    }

    private let registry: any ModelRegistry
    private let state: Mutex<(scoring: Scoring, version: Int, scorer: Scorer)?>
    private let options: Mutex<Scoring>

    init(registry: any ModelRegistry, scoring: Scoring) {
        self.registry = registry
        self.options = Mutex(scoring)
        self.state = Mutex(nil)
    }

    /// Changes scoring options for the files that start from now on.
    func update(scoring: Scoring) {
        options.withLock { $0 = scoring }
    }

    /// The serving version and its scorer, or nil when no version serves yet.
    func current() throws -> (version: Int, scorer: Scorer)? {
        guard let version = try registry.servingVersion() else { return nil }
        let scoring = options.withLock { $0 }
        if let cached = state.withLock({ $0 }), cached.version == version, cached.scoring == scoring {
            return (version, cached.scorer)
        }
        let artifact = try registry.artifact(version: version)
        let scorer = Scorer(
            artifact: artifact, versionLabel: String(version), passthrough: scoring.passthrough,
            maxRecordBytes: scoring.maxRecordBytes)
        state.withLock { $0 = (scoring, version, scorer) }
        return (version, scorer)
    }
}
