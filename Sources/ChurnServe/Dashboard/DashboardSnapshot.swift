import ChurnCore
import ChurnStore

#if canImport(Glibc)
    import Glibc
#endif

/// Everything the dashboard shows, read in one go: from the registry through the same calls as `churnd status`,
/// `models`, `runs` and `history`; the last drift checks from `state/reports/`; and inbox throughput from the
/// names in `state/archive/` and `state/quarantine/` (each starts with its claim id, the claim time in
/// nanoseconds), so it needs neither the prediction logs nor the daemon's memory.
package struct DashboardSnapshot: Sendable {
    package var modelName: String
    /// When the snapshot was taken (UNIX seconds).
    package var takenAt: Double
    package var status: ModelLifecycle.Status
    package var versions: [ModelVersionRecord]
    package var aliases: [AliasRecord]
    /// Live metrics per version over its last `windowRows` labeled rows.
    package var live: [Int: LiveMetrics]
    package var liveHistory: [Registry.LivePoint]
    package var windowRows: Int
    /// Newest first, every outcome (not_selected families beside the run's chosen one).
    package var runs: [TrainingRunRecord]
    /// Alias moves, oldest first.
    package var history: [AliasEventRecord]
    /// The last drift checks, oldest first.
    package var drift: [DriftRecord]
    /// Claim times of the inbox files scored / quarantined within the throughput window.
    package var scoredAt: [Double]
    package var quarantinedAt: [Double]
    /// The throughput chart's window, ending at `takenAt`.
    package var throughputHours: Int
    /// Seconds between the page's self-refreshes.
    package var refreshSeconds: Int

    /// What to read and how far back.
    package struct Limits: Sendable {
        package var runs = 12
        package var driftChecks = 30
        package var throughputHours = 24
        package var refreshSeconds = 30
        package init() {}
    }

    /// Reads the snapshot for `lifecycle`'s model; folders are resolved against `root` like the daemon's.
    package static func load(
        lifecycle: ModelLifecycle, root: String, now: Double, limits: Limits = Limits()
    ) throws -> DashboardSnapshot {
        let registry = lifecycle.registry
        let model = lifecycle.modelName
        let config = lifecycle.config
        let state = Config.Paths.resolve(config.paths.state, root: root)
        let since = now - Double(limits.throughputHours) * 3600
        return DashboardSnapshot(
            modelName: model, takenAt: now, status: try lifecycle.status(),
            versions: try registry.versions(model: model), aliases: try registry.aliases(model: model),
            live: try registry.liveMetrics(model: model, window: config.live.windowRows),
            liveHistory: try registry.liveHistory(model: model, window: config.live.windowRows),
            windowRows: config.live.windowRows, runs: try registry.runs(model: model, limit: limits.runs),
            history: Array(try lifecycle.history().reversed()),
            drift: try DriftReports(directory: "\(state)/reports").recent(limit: limits.driftChecks),
            scoredAt: claimTimes(in: "\(state)/archive", since: since),
            quarantinedAt: claimTimes(in: "\(state)/quarantine", since: since, suffix: ".reason.txt"),
            throughputHours: limits.throughputHours, refreshSeconds: limits.refreshSeconds)
    }

    /// Claim times (seconds) of the entries named `<16 hex digits>.<name>` in `folder` claimed since `since`;
    /// with `suffix`, only names ending so (one `.reason.txt` per quarantined file).
    static func claimTimes(in folder: String, since: Double, suffix: String? = nil) -> [Double] {
        let names = (try? FileSystem.list(folder)) ?? []
        return names.compactMap { name -> Double? in
            if let suffix, !name.hasSuffix(suffix) { return nil }
            let parts = name.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, parts[0].utf8.count == 16, let nanoseconds = UInt64(parts[0], radix: 16) else {
                return nil
            }
            let seconds = Double(nanoseconds) / 1e9
            return seconds >= since ? seconds : nil
        }
    }

    /// The version each alias points to now, by alias name.
    package func aliasNames(of version: Int) -> [String] {
        aliases.filter { $0.version == version }.map(\.name).sorted()
    }
}
