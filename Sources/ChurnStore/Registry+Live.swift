import ChurnCore
import GRDB

/// One labeled outcome as stored: the live record behind `churnd models`' live F1.
public struct LiveOutcomeRecord: RegistryRecord, Equatable, Sendable {
    public static let databaseTableName = "live_outcome"

    /// Increases with every write: the sliding window is the last N ids of a version.
    public var id: Int64?
    public var modelName: String
    public var version: Int
    public var alias: String?
    public var requestId: String
    public var prediction: Int
    public var probability: Double
    public var label: Int
    public var predictedAt: Double
    public var labeledAt: Double
    /// The label file it came from (its name).
    public var labelFile: String
    /// The inbox file the prediction was made for, when its log line said.
    public var predictionFile: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    public var outcome: LiveOutcome {
        LiveOutcome(
            version: version, alias: alias, requestID: requestId, file: predictionFile,
            prediction: prediction == 1 ? 1 : 0,
            probability: probability, label: label == 1 ? 1 : 0, predictedAt: predictedAt)
    }
}

/// What one label file joined, as stored: `churnd models` sums them.
public struct LabelFileRecord: RegistryRecord, Equatable, Sendable {
    public static let databaseTableName = "label_file"

    public var id: Int64?
    public var modelName: String
    /// The label file's name.
    public var file: String
    /// When it arrived in watch/labels (seconds since 1970).
    public var arrivedAt: Double
    public var processedAt: Double
    /// The window it was joined with (`[live] max_label_age_days`).
    public var maxLabelAgeDays: Double
    /// Labels read (one per id, or per request id and file).
    public var labels: Int
    /// Labels credited to at least one version.
    public var joined: Int
    /// Labels whose predictions were all older than the window.
    public var tooOld: Int
    /// Labels with no logged prediction made before the file arrived.
    public var unmatched: Int
    /// Outcomes stored (one per credited version and label).
    public var outcomes: Int

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension Registry {
    /// Stores a label file's outcomes and its join counts in one transaction. A new label for a prediction
    /// already labeled (same version, id and time) replaces it (last wins) and moves it to the end of the
    /// version's window. Outcomes of versions this registry does not know (e.g. another service's log lines
    /// that name one) are skipped. Returns the stored record of the file.
    @discardableResult
    public func recordLabels(
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
    public struct LabelTotals: Equatable, Sendable {
        public var files: Int
        public var labels: Int
        public var joined: Int
        public var tooOld: Int
        public var unmatched: Int
        public var outcomes: Int
        public var last: LabelFileRecord
    }

    /// Join counts over every label file; nil before the first one.
    public func labelTotals(model: String) throws -> LabelTotals? {
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
    public func liveWindow(model: String, version: Int, limit: Int) throws -> [LiveOutcome] {
        try read { db in
            try LiveOutcomeRecord.filter(Column("model_name") == model && Column("version") == version)
                .order(Column("id").desc).limit(limit).fetchAll(db).reversed().map(\.outcome)
        }
    }

    /// Live metrics of every version with labeled outcomes, over each one's last `window` outcomes.
    public func liveMetrics(model: String, window: Int) throws -> [Int: LiveMetrics] {
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
