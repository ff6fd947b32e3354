import ChurnCore
import ChurnStore

/// What the daemon needs from the model registry, and nothing more: which version serves, its artifact, and
/// a way to run one training + judgement. `ModelLifecycle` is the one implementation (the same layer
/// `churnd train` uses, on the SQLite registry); tests stand in for it. Answers are typed: the daemon logs
/// and shows what they say, it never parses them.
package protocol ModelRegistry: Sendable {
    /// Version serving under `production` now, or nil. Called after each registry change (`RegistryChanges`),
    /// and before every file when the registry has no change signal: must be cheap.
    func servingVersion() throws -> Int?
    /// Version at `challenger` now, or nil; shadow scoring asks before each file: must be cheap.
    func challengerVersion() throws -> Int?
    /// The artifact of a version (verified).
    func artifact(version: Int) throws -> ModelArtifact
    /// Runs one training + judgement on these labeled files, unless a run already learned from them with the
    /// current configuration (checked under the registry's training lock, so another process's run counts).
    /// `progress` is told where the run is, on the calling thread. A run that fails throws its error (the
    /// registry records the failed run first).
    func train(files: [String], progress: (TrainingProgress) -> Void) throws -> ModelLifecycle.TrainingDecision
    /// The recorded run that learned from exactly these files with the current configuration, whatever its
    /// outcome; nil when there is none (a run would learn something new) or the registry keeps no runs.
    func previousRun(files: [String]) throws -> TrainingRunRecord?
    /// Joins label rows of a file that arrived at `arrivedAt` with the predictions in `logFiles`, stores the
    /// outcomes and may promote the challenger (live F1); nil when the registry keeps no live outcomes.
    func applyLabels(_ batch: LabelBatch, file: String, arrivedAt: Double, logFiles: [String]) throws
        -> ModelLifecycle.LabelReport?
    /// How prediction-log lines that name no version number are attributed (from the audited alias moves).
    func attribution() throws -> VersionAttribution
    /// Moves `production` back to the version that served before after a drift alert, audited with
    /// `reason`: the version left, and candidates trained on its data, are never promoted automatically again.
    /// Returns the versions it moved from and to.
    func rollback(reason: String) throws -> (from: Int, to: Int)
    /// The version a drift rollback put in production, while production has not moved since; nil otherwise.
    /// The daemon does not act again on an alert while it serves, across restarts too.
    func versionLeftByDriftRollback() throws -> Int?
    /// The latest recorded training run, by anyone (the daemon or `churnd train`), for the status line; nil
    /// when there was none or the registry does not keep runs.
    func lastTraining() throws -> TrainingNote?
}

/// What the status line says about a training run.
package struct TrainingNote: Equatable, Sendable {
    package enum Outcome: String, Sendable {
        case promoted, kept, refused, failed
    }

    package var outcome: Outcome
    /// The version the run registered (promoted or kept).
    package var version: Int?
    /// The version serving when the run judged its candidate.
    package var champion: Int?
    /// Seconds since 1970.
    package var finishedAt: Double

    package init(outcome: Outcome, version: Int?, champion: Int?, finishedAt: Double) {
        self.outcome = outcome
        self.version = version
        self.champion = champion
        self.finishedAt = finishedAt
    }

    /// What a recorded run says; nil for runs that are no training outcome (`not_selected` alternatives).
    package init?(_ run: TrainingRunRecord) {
        guard let outcome = Outcome(rawValue: run.outcome.rawValue) else { return nil }
        self.init(outcome: outcome, version: run.version, champion: run.championVersion, finishedAt: run.finishedAt)
    }

    /// "promoted v4", "kept v3 over v5", "refused: not promotable", "failed".
    package var summary: String {
        switch outcome {
        case .promoted: return version.map { "promoted v\($0)" } ?? "promoted"
        case .kept:
            let champion = champion.map { "v\($0)" } ?? "the champion"
            return version.map { "kept \(champion) over v\($0)" } ?? "kept \(champion)"
        case .refused: return "refused: not promotable"
        case .failed: return "failed"
        }
    }
}

extension ModelRegistry {
    package func lastTraining() throws -> TrainingNote? { nil }
    /// Stand-ins keep no fingerprints: every request trains.
    package func previousRun(files: [String]) throws -> TrainingRunRecord? { nil }
    /// Stand-ins keep no audit log.
    package func versionLeftByDriftRollback() throws -> Int? { nil }
}

extension ModelRegistry {
    /// Stand-ins keep no live outcomes.
    package func applyLabels(_ batch: LabelBatch, file: String, arrivedAt: Double, logFiles: [String]) throws
        -> ModelLifecycle.LabelReport?
    {
        nil
    }

    /// Stand-ins keep no alias history: only lines that name a version number are attributed.
    package func attribution() throws -> VersionAttribution { VersionAttribution(model: "") }

    /// Stand-ins without a challenger never shadow-score.
    package func challengerVersion() throws -> Int? { nil }
}
