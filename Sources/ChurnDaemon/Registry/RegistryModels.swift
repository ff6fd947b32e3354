import ChurnCore
import ChurnStore

/// The daemon's view of the SQLite registry: the serving version is one indexed read (skipped while the
/// database files are unchanged, see `changeStamp()`), artifacts are
/// SHA-verified on load (the `ModelCache` loads each version once), and training goes through the same
/// `ModelLifecycle` as `churnd train`, with the configuration current at the time of the run.
package struct RegistryModels: ModelRegistry {
    private let lifecycle: ModelLifecycle
    private let config: @Sendable () -> Config

    package init(root: String, config: @escaping @Sendable () -> Config) throws {
        self.lifecycle = try ModelLifecycle(root: root, config: config())
        self.config = config
    }

    package func servingVersion() throws -> Int? {
        try lifecycle.servingVersion()
    }

    /// The database file and its write-ahead log: every commit appends to the log (or, after a checkpoint,
    /// rewrites it from the start), so a commit changes the log's size or modification time. The time has the
    /// kernel's coarse granularity, so two commits a few milliseconds apart may leave the same stamp when the
    /// second one rewrites a restarted log; `ModelCache` asks `servingVersion()` at least once a second anyway.
    package func changeStamp() -> [FileStamp]? {
        let path = lifecycle.registry.path
        return [FileStamp(path: path), FileStamp(path: path + "-wal")]
    }

    package func challengerVersion() throws -> Int? {
        try lifecycle.servingVersion(alias: AliasName.challenger)
    }

    package func artifact(version: Int) throws -> ModelArtifact {
        try lifecycle.loadArtifact(version: version)
    }

    package func lastTraining() throws -> TrainingNote? {
        guard let run = try lifecycle.status().lastRun,
            let outcome = TrainingNote.Outcome(rawValue: run.outcome.rawValue)
        else { return nil }
        return TrainingNote(
            outcome: outcome, version: run.version, champion: run.championVersion, finishedAt: run.finishedAt)
    }

    package func train(files: [String], progress: (TrainingProgress) -> Void) throws -> TrainingAttempt {
        let current = ModelLifecycle(config: config(), registry: lifecycle.registry)
        switch try current.trainUnlessTrained(files: files, actor: .daemon, progress: progress) {
        case .alreadyTrained(let run):
            return .alreadyTrained(PriorRun(id: run.id ?? 0, outcome: run.briefOutcome, finishedAt: run.finishedAt))
        case .trained(let outcome):
            let refused = outcome.refusedFiles.count
            return .trained(
                summary: outcome.summary + (refused == 0 ? "" : " (\(refused) file\(refused == 1 ? "" : "s") refused)"))
        }
    }

    package func previousRun(files: [String]) throws -> PriorRun? {
        let current = ModelLifecycle(config: config(), registry: lifecycle.registry)
        guard let run = try current.previousRun(files: files), let id = run.id else { return nil }
        return PriorRun(id: id, outcome: run.briefOutcome, finishedAt: run.finishedAt)
    }

    package func applyLabels(_ batch: LabelBatch, file: String, arrivedAt: Double, logFiles: [String]) throws
        -> String
    {
        let current = ModelLifecycle(config: config(), registry: lifecycle.registry)
        return try current.applyLabels(batch, file: file, arrivedAt: arrivedAt, logFiles: logFiles, actor: .daemon)
            .summary
    }

    package func attribution() throws -> VersionAttribution {
        try lifecycle.registry.attribution(model: lifecycle.modelName)
    }

    package func rollback(reason: String) throws -> (from: Int, to: Int) {
        let from = try lifecycle.servingVersion()
        let change = try lifecycle.rollback(actor: .daemon, reason: reason, cause: .driftAlert)
        return (from ?? change.version, change.version)
    }

    package func versionLeftByDriftRollback() throws -> Int? {
        guard
            let last = try lifecycle.registry.history(
                model: lifecycle.modelName, alias: AliasName.production, limit: 1
            ).first,
            last.cause == .driftAlert
        else { return nil }
        return last.toVersion
    }
}
