import ChurnCore
import ChurnStore
import Synchronization

/// The scorer for the version serving now. Asks the registry only after it committed something (`changes`
/// confirms that before each file, by this process or another: `churnd promote` applies to the next file), or
/// before every file when there is no change signal (a stand-in registry), and builds a new `Scorer` only when
/// the version changed, so a file in progress keeps the scorer it started with.
final class ModelCache: Sendable {
    struct Scoring: Equatable, Sendable {
        var passthrough: Bool
        var maxRecordBytes: Int
        /// `[schema.bounds]`: rows outside are row errors.
        var bounds: [String: Bounds] = [:]
    }

    private let registry: any ModelRegistry
    private let changes: RegistryChanges?
    private let state: Mutex<(scoring: Scoring, version: Int, scorer: Scorer)?>
    private let options: Mutex<Scoring>
    private let answer = Mutex<(generation: UInt64, version: Int?)?>(nil)

    init(registry: any ModelRegistry, changes: RegistryChanges?, scoring: Scoring) {
        self.registry = registry
        self.changes = changes
        self.options = Mutex(scoring)
        self.state = Mutex(nil)
    }

    /// Changes scoring options for the files that start from now on.
    func update(scoring: Scoring) {
        options.withLock { $0 = scoring }
    }

    /// The serving version and its scorer, or nil when no version serves yet.
    func current() throws -> (version: Int, scorer: Scorer)? {
        guard let version = try servingVersion() else { return nil }
        let scoring = options.withLock { $0 }
        if let cached = state.withLock({ $0 }), cached.version == version, cached.scoring == scoring {
            return (version, cached.scorer)
        }
        let artifact = try registry.artifact(version: version)
        let scorer = Scorer(
            artifact: artifact, versionLabel: String(version), passthrough: scoring.passthrough,
            maxRecordBytes: scoring.maxRecordBytes, bounds: scoring.bounds)
        state.withLock { $0 = (scoring, version, scorer) }
        return (version, scorer)
    }

    /// The registry's answer, or the last one while no commit happened since. The generation is taken before
    /// asking, so a commit made while asking shows up as a new generation next time.
    private func servingVersion() throws -> Int? {
        guard let changes else { return try registry.servingVersion() }
        let generation = changes.check()
        if let known = answer.withLock({ $0 }), known.generation == generation { return known.version }
        let version = try registry.servingVersion()
        answer.withLock { $0 = (generation, version) }
        return version
    }
}
