import ChurnCore
import ChurnStore

/// The daemon's registry is the lifecycle `churnd train` uses, on the SQLite registry, with the configuration
/// in force at each call (`ModelLifecycle(registry:config:)`): the serving version is one indexed read (asked
/// again only after a commit, see `RegistryChanges`), artifacts are SHA-verified on load (the
/// `ModelCache` loads each version once).
extension ModelLifecycle: ModelRegistry {
    /// The daemon's lifecycle on the registry under the configured state directory, resolved against `root`.
    package init(root: String, config: @escaping @Sendable () -> Config) throws {
        let stateDirectory = Config.Paths.resolve(config().paths.state, root: root)
        self.init(registry: try Registry(stateDirectory: stateDirectory), config: config)
    }

    package func servingVersion() throws -> Int? {
        try servingVersion(alias: AliasName.production)
    }

    package func challengerVersion() throws -> Int? {
        try servingVersion(alias: AliasName.challenger)
    }

    package func artifact(version: Int) throws -> ModelArtifact {
        try loadArtifact(version: version)
    }

    package func lastTraining() throws -> TrainingNote? {
        try registry.runs(model: modelName, limit: 1).first.flatMap(TrainingNote.init)
    }

    package func train(files: [String], progress: (TrainingProgress) -> Void) throws -> TrainingDecision {
        try trainUnlessTrained(files: files, actor: .daemon, progress: progress)
    }

    package func applyLabels(_ batch: LabelBatch, file: String, arrivedAt: Double, logFiles: [String]) throws
        -> LabelReport?
    {
        try applyLabels(batch, file: file, arrivedAt: arrivedAt, logFiles: logFiles, actor: .daemon)
    }

    package func attribution() throws -> VersionAttribution {
        try registry.attribution(model: modelName)
    }

    package func rollback(reason: String) throws -> (from: Int, to: Int) {
        let from = try servingVersion(alias: AliasName.production)
        let change = try rollback(actor: .daemon, reason: reason, cause: .driftAlert)
        return (from ?? change.version, change.version)
    }

    package func versionLeftByDriftRollback() throws -> Int? {
        guard
            let last = try registry.history(model: modelName, alias: AliasName.production, limit: 1).first,
            last.cause == .driftAlert
        else { return nil }
        return last.toVersion
    }
}
