import ChurnCore
import ChurnStore
import Foundation

/// The registry as JSON: what `churnd models|runs|history|promote|rollback --json` print and what the HTTP
/// routes answer, from one place, so both stay the same.
package enum RegistryViews {
    /// "2026-11-23T16:23:05Z".
    package static func isoTime(_ seconds: Double) -> String {
        let time = CalendarTime(utc: seconds)
        return "\(time.date())T\(time.clock())Z"
    }

    /// `churnd models --json`, `GET /models`.
    package static func models(_ lifecycle: ModelLifecycle) throws -> ModelsJSON {
        models(try lifecycle.overview(), artifacts: lifecycle.registry.artifacts)
    }

    package static func models(_ overview: ModelsOverview, artifacts: ArtifactStore) -> ModelsJSON {
        let serving = overview.serving
        return ModelsJSON(
            model: overview.model, serving: serving,
            versions: overview.versions.map { v in
                let live = overview.live[v.version]
                return VersionJSON(
                    version: v.version, family: v.family, createdAt: isoTime(v.createdAt), f1: v.f1, rocAUC: v.rocAuc,
                    threshold: v.threshold, trainRows: v.trainRows, testRows: v.testRows,
                    aliases: overview.aliases(at: v.version), serving: v.version == serving,
                    artifact: artifacts.path(v.artifactPath), sha256: v.artifactSha256, liveF1: live?.f1,
                    livePrecision: live?.precision, liveRecall: live?.recall, liveRows: live?.rows)
            }, labels: overview.labels.map(LabelsJSON.init))
    }

    /// `churnd runs --json`, `GET /runs`.
    package static func runs(_ lifecycle: ModelLifecycle, limit: Int) throws -> RunsJSON {
        RunsJSON(
            model: lifecycle.modelName,
            runs: try lifecycle.registry.runs(model: lifecycle.modelName, limit: limit).map(RunJSON.init))
    }

    /// `churnd history --json`, `GET /history`.
    package static func history(_ lifecycle: ModelLifecycle, alias: String?, limit: Int?) throws -> HistoryJSON {
        HistoryJSON(
            model: lifecycle.modelName,
            events: try lifecycle.history(alias: alias, limit: limit).map(AliasEventJSON.init))
    }
}

package struct ModelsJSON: Encodable, Sendable {
    package var model: String
    package var serving: Int?
    package var versions: [VersionJSON]
    /// What the label files joined, summed; absent before the first one.
    package var labels: LabelsJSON?
}

package struct VersionJSON: Encodable, Sendable {
    package var version: Int
    package var family: String
    package var createdAt: String
    package var f1: Double
    package var rocAUC: Double?
    package var threshold: Double
    package var trainRows: Int
    package var testRows: Int
    package var aliases: [String]
    package var serving: Bool
    package var artifact: String
    package var sha256: String
    /// Live metrics over the version's last `[live] window_rows` labeled rows; absent without labels.
    package var liveF1: Double?
    package var livePrecision: Double?
    package var liveRecall: Double?
    package var liveRows: Int?
}

/// Label join counts over every label file.
package struct LabelsJSON: Encodable, Sendable {
    package var files: Int
    package var labels: Int
    package var joined: Int
    package var tooOld: Int
    package var unmatched: Int
    package var outcomes: Int
    package var lastFile: String
    package var lastProcessedAt: String

    package init(_ totals: Registry.LabelTotals) {
        files = totals.files
        labels = totals.labels
        joined = totals.joined
        tooOld = totals.tooOld
        unmatched = totals.unmatched
        outcomes = totals.outcomes
        lastFile = totals.last.file
        lastProcessedAt = RegistryViews.isoTime(totals.last.processedAt)
    }
}

package struct RunsJSON: Encodable, Sendable {
    package var model: String
    package var runs: [RunJSON]
}

/// One run: every key always present, `null` where a run has no value (a failed run has no version, family
/// or metrics).
package struct RunJSON: Encodable, Sendable {
    package struct Input: Encodable, Sendable {
        package var path: String
        package var sha256: String
        package var bytes: Int
        package var rows: Int
    }

    package var id: Int64?
    package var startedAt: String
    package var finishedAt: String
    package var seconds: Double
    package var actor: String
    package var outcome: String
    package var version: Int?
    package var championVersion: Int?
    /// The family of the run's model; nil when it failed before training one.
    package var family: String?
    package var rows: Int?
    package var testF1: Double?
    /// Mean and sample standard deviation of the folds' F1, for a cross-validated run.
    package var cvF1Mean: Double?
    package var cvF1Std: Double?
    package var testRocAUC: Double?
    package var threshold: Double?
    package var inputs: [Input]
    package var refusedFiles: [String]
    package var reason: String
    package var churndVersion: String
    /// How a cross-validated run chose its family, settings and threshold; nil for a run on one validation split.
    package var crossValidation: CrossValidationReport?

    package init(_ run: TrainingRunRecord) {
        id = run.id
        startedAt = RegistryViews.isoTime(run.startedAt)
        finishedAt = RegistryViews.isoTime(run.finishedAt)
        seconds = run.seconds
        actor = run.actor.name
        outcome = run.outcome.rawValue
        version = run.version
        championVersion = run.championVersion
        family = run.metrics == nil ? nil : run.parameters.family
        rows = run.rows
        testF1 = run.metrics?.f1
        cvF1Mean = run.crossValidation?.f1Mean
        cvF1Std = run.crossValidation?.f1Std
        testRocAUC = run.metrics?.rocAUC
        threshold = run.metrics?.threshold
        inputs = run.inputs.map { Input(path: $0.path, sha256: $0.sha256, bytes: $0.bytes, rows: $0.rows) }
        refusedFiles = run.refusedFiles
        reason = run.reason
        churndVersion = run.churndVersion
        crossValidation = run.crossValidation
    }

    private enum CodingKeys: String, CodingKey {
        case id, startedAt, finishedAt, seconds, actor, outcome, version, championVersion, family, rows, testF1
        case cvF1Mean, cvF1Std, testRocAUC, threshold, inputs, refusedFiles, reason, churndVersion, crossValidation
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(actor, forKey: .actor)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(version, forKey: .version)
        try c.encode(championVersion, forKey: .championVersion)
        try c.encode(family, forKey: .family)
        try c.encode(rows, forKey: .rows)
        try c.encode(testF1, forKey: .testF1)
        try c.encode(cvF1Mean, forKey: .cvF1Mean)
        try c.encode(cvF1Std, forKey: .cvF1Std)
        try c.encode(testRocAUC, forKey: .testRocAUC)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(inputs, forKey: .inputs)
        try c.encode(refusedFiles, forKey: .refusedFiles)
        try c.encode(reason, forKey: .reason)
        try c.encode(churndVersion, forKey: .churndVersion)
        try c.encode(crossValidation, forKey: .crossValidation)
    }
}

package struct HistoryJSON: Encodable, Sendable {
    package var model: String
    package var events: [AliasEventJSON]
}

/// One audited alias move.
package struct AliasEventJSON: Encodable, Sendable {
    package var id: Int64?
    package var time: String
    package var alias: String
    package var from: Int?
    package var to: Int?
    package var kind: String
    package var actor: String
    package var reason: String
    /// "drift_alert" for the daemon's drift rollbacks; absent otherwise.
    package var cause: String?

    package init(_ event: AliasEventRecord) {
        id = event.id
        time = RegistryViews.isoTime(event.at)
        alias = event.alias
        from = event.fromVersion
        to = event.toVersion
        kind = event.kind.rawValue
        actor = event.actor.name
        reason = event.reason
        cause = event.cause?.rawValue
    }
}

/// The result of a promote or rollback.
package struct AliasChangeJSON: Encodable, Sendable {
    package var alias: String
    package var version: Int
    package var moved: Bool
    package var event: AliasEventJSON?

    package init(_ change: Registry.AliasChange) {
        alias = change.alias
        version = change.version
        moved = change.move != nil
        event = change.move.map(AliasEventJSON.init)
    }
}
