import ChurnCore

/// Every version of the model with its aliases, live metrics and the label totals, read together: what
/// `churnd models` prints and `GET /models` answers.
package struct ModelsOverview: Sendable {
    package var model: String
    package var versions: [ModelVersionRecord]
    package var aliases: [AliasRecord]
    /// Live metrics per version over its last `[live] window_rows` labeled rows; absent without labels.
    package var live: [Int: LiveMetrics]
    /// What the label files joined, summed; nil before the first one.
    package var labels: Registry.LabelTotals?

    /// The version at `production`.
    package var serving: Int? { aliases.first { $0.name == AliasName.production }?.version }

    /// The aliases at `version`, by name.
    package func aliases(at version: Int) -> [String] {
        aliases.filter { $0.version == version }.map(\.name)
    }
}

extension ModelLifecycle {
    package func overview() throws -> ModelsOverview {
        ModelsOverview(
            model: modelName, versions: try registry.versions(model: modelName),
            aliases: try registry.aliases(model: modelName),
            live: try registry.liveMetrics(model: modelName, window: config.live.windowRows),
            labels: try registry.labelTotals(model: modelName))
    }
}
