import ChurnCore
import Synchronization

/// The scorer for the version serving now. Asks the registry before each file, unless its change stamp shows
/// no change since the last answer less than `maxAge` seconds ago, and builds a new `Scorer` only when the
/// version changed, so a promotion applies to the next file and a file in progress keeps the scorer it started
/// with.
final class ModelCache: Sendable {
    struct Scoring: Equatable, Sendable {
        var passthrough: Bool
        var maxRecordBytes: Int
        /// `[schema.bounds]`: rows outside are row errors.
        var bounds: [String: Bounds] = [:]
    }

    private let registry: any ModelRegistry
    private let state: Mutex<(scoring: Scoring, version: Int, scorer: Scorer)?>
    private let options: Mutex<Scoring>
    private let answer = Mutex<(stamp: [FileStamp], version: Int?, at: Double)?>(nil)
    /// Seconds an unchanged stamp is trusted: bounds how late a change the stamp misses is seen (an alias move
    /// must show within a second).
    let maxAge: Double

    init(registry: any ModelRegistry, scoring: Scoring, maxAge: Double = 1) {
        self.registry = registry
        self.options = Mutex(scoring)
        self.state = Mutex(nil)
        self.maxAge = maxAge
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

    /// The registry's answer, or the last one while the stamp is unchanged and recent. The stamp is taken before
    /// asking, so a change made while asking shows up as a new stamp next time.
    private func servingVersion() throws -> Int? {
        let now = monotonicSeconds()
        guard let stamp = registry.changeStamp() else { return try registry.servingVersion() }
        if let known = answer.withLock({ $0 }), known.stamp == stamp, now - known.at < maxAge {
            return known.version
        }
        let version = try registry.servingVersion()
        answer.withLock { $0 = (stamp, version, now) }
        return version
    }
}
