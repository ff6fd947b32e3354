import ChurnCore
import ChurnStore
import Synchronization

/// Shadow scoring: the `challenger` version scores the rows the champion logged for each inbox file; its
/// records go to the prediction log with `"alias": "challenger"` and never to the outbox. The challenger's
/// scorer is built once per version, like `ModelCache` does for the champion.
final class ShadowScorer: Sendable {
    private let registry: any ModelRegistry
    private let enabled: @Sendable () -> Bool
    private let cached: Mutex<(version: Int, scorer: Scorer)?> = Mutex(nil)

    /// - Parameter enabled: `[shadow] enabled`, read per file so a reload applies.
    init(registry: any ModelRegistry, enabled: @escaping @Sendable () -> Bool) {
        self.registry = registry
        self.enabled = enabled
    }

    /// The challenger's records for the champion's sampled `records`; empty when shadowing is off, there is no
    /// challenger, or it cannot be loaded (shadow scoring never fails a file).
    func records(shadowing records: [PredictionRecord], champion: Int) -> [PredictionRecord] {
        guard enabled(), !records.isEmpty,
            let version = try? registry.challengerVersion(), version != champion,
            let scorer = scorer(version: version)
        else { return [] }
        return ShadowPredictions.score(records, with: scorer, alias: AliasName.challenger)
    }

    private func scorer(version: Int) -> Scorer? {
        if let cached = cached.withLock({ $0 }), cached.version == version { return cached.scorer }
        guard let artifact = try? registry.artifact(version: version) else { return nil }
        let scorer = Scorer(artifact: artifact, versionLabel: String(version), nthread: 1)
        cached.withLock { $0 = (version, scorer) }
        return scorer
    }
}
