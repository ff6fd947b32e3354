import ChurnCore

/// What the daemon needs from the model registry, and nothing more: which version serves, its artifact, and
/// a way to run one training + judgement. The daemon never reads registry storage itself, so the file-based
/// stand-in below and the SQLite registry are interchangeable.
public protocol ModelRegistry: Sendable {
    /// Version serving under `production` now, or nil. Called about once a second and before each file: must be cheap.
    func servingVersion() throws -> Int?
    /// Version at `challenger` now, or nil; shadow scoring asks before each file: must be cheap.
    func challengerVersion() throws -> Int?
    /// The artifact of a version (verified).
    func artifact(version: Int) throws -> ModelArtifact
    /// Runs one training + judgement on these labeled files; returns a one-line outcome for the log
    /// (e.g. "promoted v4 …").
    func train(files: [String]) throws -> String
    /// Joins label rows with the predictions in `logFiles`, stores the outcomes and may promote the
    /// challenger (live F1); returns a one-line summary for the log.
    func applyLabels(_ batch: LabelBatch, file: String, logFiles: [String]) throws -> String
    /// Moves `production` back to the version that served before (SPEC §5), audited with `reason`.
    /// Returns the versions it moved from and to.
    func rollback(reason: String) throws -> (from: Int, to: Int)
}

extension ModelRegistry {
    /// Stand-ins keep no live outcomes.
    public func applyLabels(_ batch: LabelBatch, file: String, logFiles: [String]) throws -> String {
        "ignored: this registry keeps no live outcomes"
    }

    /// Stand-ins without a challenger never shadow-score.
    public func challengerVersion() throws -> Int? { nil }
}
