import ChurnCore
import ChurnStore
import Synchronization

/// Shadow scoring: the `challenger` version scores the rows the champion logged for each inbox file; its
/// records go to the prediction log with `"alias": "challenger"` and never to the outbox. With A/B serving
/// (`[shadow] serve_fraction` > 0) it also serves its share of the rows in the outbox. The challenger's scorer
/// is built once per version, like `ModelCache` does for the champion.
final class ShadowScorer: Sendable {
    private let registry: any ModelRegistry
    private let enabled: @Sendable () -> Bool
    private let serveFraction: @Sendable () -> Double
    private let cached: Mutex<(version: Int, scorer: Scorer)?> = Mutex(nil)

    /// - Parameters:
    ///   - enabled: `[shadow] enabled`, read per file so a reload applies.
    ///   - serveFraction: `[shadow] serve_fraction`, read per file.
    init(
        registry: any ModelRegistry, enabled: @escaping @Sendable () -> Bool,
        serveFraction: @escaping @Sendable () -> Double = { 0 }
    ) {
        self.registry = registry
        self.enabled = enabled
        self.serveFraction = serveFraction
    }

    /// The A/B split for the next file: nil when serving is not split, there is no challenger, it cannot be
    /// loaded, or it reads other columns than the champion (the champion then serves every row).
    func split(champion: Int, schema: Schema) -> ServingSplit? {
        let fraction = serveFraction()
        guard fraction > 0, let version = try? registry.challengerVersion(), version != champion,
            let scorer = scorer(version: version), scorer.artifact.schema.readsSameColumns(as: schema)
        else { return nil }
        return ServingSplit(challenger: scorer, fraction: fraction)
    }

    /// The challenger's scorer when it shadows `champion`, to score the champion's sampled records
    /// (`ShadowPredictions`); nil when shadowing is off, there is no challenger, or it cannot be loaded (shadow
    /// scoring never fails a file).
    func challenger(champion: Int) -> Scorer? {
        guard enabled(), let version = try? registry.challengerVersion(), version != champion else { return nil }
        return scorer(version: version)
    }

    private func scorer(version: Int) -> Scorer? {
        if let cached = cached.withLock({ $0 }), cached.version == version { return cached.scorer }
        guard let artifact = try? registry.artifact(version: version) else { return nil }
        let scorer = Scorer(artifact: artifact, versionLabel: String(version), nthread: 1)
        cached.withLock { $0 = (version, scorer) }
        return scorer
    }
}
