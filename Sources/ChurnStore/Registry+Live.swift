import ChurnCore
import GRDB

/// One labeled outcome as stored: the live record behind `churnd models`' live F1 (SPEC §5, live F1).
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

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    public var outcome: LiveOutcome {
        LiveOutcome(
            version: version, alias: alias, requestID: requestId, prediction: prediction == 1 ? 1 : 0,
            probability: probability, label: label == 1 ? 1 : 0, predictedAt: predictedAt)
    }
}

extension Registry {
    /// Stores labeled outcomes in one transaction. A new label for a (version, id) already stored replaces it
    /// (last wins) and moves it to the end of the version's window. Outcomes of versions this registry does not
    /// know (e.g. another service's log lines) are skipped. Returns how many were stored and how many skipped.
    public func recordLive(model: String, outcomes: [LiveOutcome], file: String) throws -> (stored: Int, skipped: Int) {
        try write { db in
            let known = Set(
                try Int.fetchAll(db, sql: "SELECT version FROM model_version WHERE model_name = ?", arguments: [model]))
            let now = clock()
            var stored = 0
            for outcome in outcomes where known.contains(outcome.version) {
                try db.execute(
                    sql: "DELETE FROM live_outcome WHERE model_name = ? AND version = ? AND request_id = ?",
                    arguments: [model, outcome.version, outcome.requestID])
                var record = LiveOutcomeRecord(
                    id: nil, modelName: model, version: outcome.version, alias: outcome.alias,
                    requestId: outcome.requestID, prediction: Int(outcome.prediction), probability: outcome.probability,
                    label: Int(outcome.label), predictedAt: outcome.predictedAt, labeledAt: now, labelFile: file)
                try record.insert(db)
                stored += 1
            }
            return (stored, outcomes.count - stored)
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
