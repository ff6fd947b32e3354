import ChurnCore
import GRDB

/// One labeled outcome as stored: the live record behind `churnd models`' live F1.
package struct LiveOutcomeRecord: RegistryRecord, Equatable, Sendable {
    package static let databaseTableName = "live_outcome"

    /// Increases with every write: the sliding window is the last N ids of a version.
    package var id: Int64?
    package var modelName: String
    package var version: Int
    package var alias: String?
    package var requestId: String
    package var prediction: Int
    package var probability: Double
    package var label: Int
    package var predictedAt: Double
    package var labeledAt: Double
    /// The label file it came from (its name).
    package var labelFile: String
    /// The inbox file the prediction was made for, when its log line said.
    package var predictionFile: String?

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    package var outcome: LiveOutcome {
        LiveOutcome(
            version: version, alias: alias, requestID: requestId, file: predictionFile,
            prediction: prediction == 1 ? 1 : 0,
            probability: probability, label: label == 1 ? 1 : 0, predictedAt: predictedAt)
    }
}

/// What one label file joined, as stored: `churnd models` sums them.
package struct LabelFileRecord: RegistryRecord, Equatable, Sendable {
    package static let databaseTableName = "label_file"

    package var id: Int64?
    package var modelName: String
    /// The label file's name.
    package var file: String
    /// When it arrived in watch/labels (seconds since 1970).
    package var arrivedAt: Double
    package var processedAt: Double
    /// The window it was joined with (`[live] max_label_age_days`).
    package var maxLabelAgeDays: Double
    /// Labels read (one per id, or per request id and file).
    package var labels: Int
    /// Labels credited to at least one version.
    package var joined: Int
    /// Labels whose predictions were all older than the window.
    package var tooOld: Int
    /// Labels with no logged prediction made before the file arrived.
    package var unmatched: Int
    /// Outcomes stored (one per credited version and label).
    package var outcomes: Int

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension Registry {
    /// Stores a label file's outcomes and its join counts in one transaction. A new label for a prediction
    /// already labeled (same version, id and time) replaces it (last wins) and moves it to the end of the
    /// version's window. Outcomes of versions this registry does not know (e.g. another service's log lines
    /// that name one) are skipped. Returns the stored record of the file.
    @discardableResult
    package func recordLabels(
        model: String, join: LabelJoin.Result, file: String, arrivedAt: Double, maxLabelAgeDays: Double
    ) throws -> LabelFileRecord {
        try write { db in
            let known = Set(
                try Int.fetchAll(db, sql: "SELECT version FROM model_version WHERE model_name = ?", arguments: [model]))
            let now = clock()
            var stored = 0
            for outcome in join.outcomes where known.contains(outcome.version) {
                try db.execute(
                    sql: """
                        DELETE FROM live_outcome
                        WHERE model_name = ? AND version = ? AND request_id = ? AND predicted_at = ?
                        """,
                    arguments: [model, outcome.version, outcome.requestID, outcome.predictedAt])
                var record = LiveOutcomeRecord(
                    id: nil, modelName: model, version: outcome.version, alias: outcome.alias,
                    requestId: outcome.requestID, prediction: Int(outcome.prediction), probability: outcome.probability,
                    label: Int(outcome.label), predictedAt: outcome.predictedAt, labeledAt: now, labelFile: file,
                    predictionFile: outcome.file)
                try record.insert(db)
                stored += 1
            }
            var record = LabelFileRecord(
                id: nil, modelName: model, file: file, arrivedAt: arrivedAt, processedAt: now,
                maxLabelAgeDays: maxLabelAgeDays, labels: join.joined + join.tooOld + join.unmatched,
                joined: join.joined, tooOld: join.tooOld, unmatched: join.unmatched, outcomes: stored)
            try record.insert(db)
            return record
        }
    }

    /// Join counts summed over every label file, with the latest file's record.
    package struct LabelTotals: Equatable, Sendable {
        package var files: Int
        package var labels: Int
        package var joined: Int
        package var tooOld: Int
        package var unmatched: Int
        package var outcomes: Int
        package var last: LabelFileRecord
    }

    /// Join counts over every label file; nil before the first one.
    package func labelTotals(model: String) throws -> LabelTotals? {
        try read { db in
            guard
                let last = try LabelFileRecord.filter(Column("model_name") == model).order(Column("id").desc)
                    .fetchOne(db),
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) AS files, sum(labels) AS labels, sum(joined) AS joined,
                            sum(too_old) AS too_old, sum(unmatched) AS unmatched, sum(outcomes) AS outcomes
                        FROM label_file WHERE model_name = ?
                        """, arguments: [model])
            else { return nil }
            return LabelTotals(
                files: row["files"], labels: row["labels"], joined: row["joined"], tooOld: row["too_old"],
                unmatched: row["unmatched"], outcomes: row["outcomes"], last: last)
        }
    }

    /// The last `limit` labeled outcomes of `version`, oldest first.
    package func liveWindow(model: String, version: Int, limit: Int) throws -> [LiveOutcome] {
        try read { db in
            try LiveOutcomeRecord.filter(Column("model_name") == model && Column("version") == version)
                .order(Column("id").desc).limit(limit).fetchAll(db).reversed().map(\.outcome)
        }
    }

    /// Live metrics of every version with labeled outcomes, over each one's last `window` outcomes.
    package func liveMetrics(model: String, window: Int) throws -> [Int: LiveMetrics] {
        let versions = try read { db in
            try Int.fetchAll(
                db, sql: "SELECT DISTINCT version FROM live_outcome WHERE model_name = ?", arguments: [model])
        }
        var metrics: [Int: LiveMetrics] = [:]
        for version in versions {
            let outcomes = try liveWindow(model: model, version: version, limit: window)
            metrics[version] = LiveMetrics(predictions: outcomes.map(\.prediction), labels: outcomes.map(\.label))
        }
        return metrics
    }
}
