import ChurnCore
import ChurnTestKit
import Foundation
import GRDB
import Testing

@testable import ChurnStore

/// A registry written before the challenger and live F1 migrations keeps every row when opened.
@Suite(.serialized)
struct RegistryMigrationTests {
    @Test func aVersionOneRegistryIsMigratedWithItsRowsAndTriggers() throws {
        // Given a registry migrated only to v1, with a run, a version, an alias and its audit row,
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(dir.path)/state", withIntermediateDirectories: true)
        let path = "\(dir.path)/state/registry.sqlite"
        let old = try DatabaseQueue(path: path)
        try Registry.migrator.migrate(old, upTo: "v1-versions-runs-aliases-audit")
        try old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO model_version VALUES ('churn_model', 1, 'logistic_regression', 1, 2, 'models/x',
                        '\(String(repeating: "a", count: 64))', 10, 0.3, 0.7, 0.7, '{}', 1, 1, 1, '{}', '[]', '0.1');
                    INSERT INTO training_run (model_name, started_at, finished_at, seconds, actor, outcome, reason,
                        version, parameters, inputs, refused_files, churnd_version)
                        VALUES ('churn_model', 1, 2, 1, 'user', 'promoted', 'first', 1, '{}', '[]', '[]', '0.1');
                    INSERT INTO alias VALUES ('churn_model', 'production', 1, 2);
                    INSERT INTO alias_event (model_name, alias, at, from_version, to_version, kind, actor, reason)
                        VALUES ('churn_model', 'production', 2, NULL, 1, 'promote', 'user', 'first');
                    """)
        }
        try old.close()
        // when this churnd opens it,
        let registry = try Registry(stateDirectory: "\(dir.path)/state")
        // then every row is still there, the new outcomes and removals are accepted, and the log stays append-only.
        try registry.database.write { db in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM training_run WHERE reason = 'first'") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT to_version FROM alias_event WHERE reason = 'first'") == 1)
            try db.execute(
                sql: """
                    INSERT INTO training_run (model_name, started_at, finished_at, seconds, actor, outcome, reason,
                        parameters, inputs, refused_files, churnd_version)
                        VALUES ('churn_model', 1, 2, 1, 'user', 'not_selected', 'x', '{}', '[]', '[]', '0.2');
                    INSERT INTO alias_event (model_name, alias, at, from_version, to_version, kind, actor, reason)
                        VALUES ('churn_model', 'challenger', 3, 1, NULL, 'remove', 'daemon', 'none');
                    """)
            #expect(throws: DatabaseError.self) { try db.execute(sql: "DELETE FROM alias_event") }
            #expect(throws: DatabaseError.self) {
                try db.execute(
                    sql: """
                        INSERT INTO alias_event (model_name, alias, at, from_version, to_version, kind, actor, reason)
                            VALUES ('churn_model', 'challenger', 3, 1, NULL, 'promote', 'daemon', 'no target')
                        """)
            }
        }
        #expect(try registry.aliasVersion(model: "churn_model", alias: AliasName.production) == 1)
        #expect(try registry.history(model: "churn_model").count == 2)
    }

    @Test func liveOutcomesOfAVersionThreeRegistryKeepTheirRowsAndLabelFilesAreCounted() throws {
        // Given a registry migrated to v3 with one labeled outcome,
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(dir.path)/state", withIntermediateDirectories: true)
        let old = try DatabaseQueue(path: "\(dir.path)/state/registry.sqlite")
        try Registry.migrator.migrate(old, upTo: "v3-live-outcomes")
        try old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO model_version VALUES ('churn_model', 1, 'logistic_regression', 1, 2, 'models/x',
                        '\(String(repeating: "a", count: 64))', 10, 0.3, 0.7, 0.7, '{}', 1, 1, 1, '{}', '[]', '0.1');
                    INSERT INTO live_outcome (model_name, version, alias, request_id, prediction, probability, label,
                        predicted_at, labeled_at, label_file)
                        VALUES ('churn_model', 1, NULL, 'C1', 1, 0.8, 1, 100, 200, 'old.csv');
                    """)
        }
        try old.close()
        // when this churnd opens it,
        let registry = try Registry(stateDirectory: "\(dir.path)/state")
        // then the outcome is still there (without a prediction file),
        let kept = try registry.liveWindow(model: "churn_model", version: 1, limit: 10)
        #expect(
            kept == [
                LiveOutcome(
                    version: 1, alias: nil, requestID: "C1", prediction: 1, probability: 0.8, label: 1, predictedAt: 100
                )
            ])
        // a label for another prediction of C1 (another file, later) is a second outcome, a new label for the
        // same prediction replaces the first, and each file's counts are kept.
        var result = LabelJoin.Result()
        result.outcomes = [
            LiveOutcome(
                version: 1, alias: nil, requestID: "C1", file: "mar.csv", prediction: 0, probability: 0.2, label: 1,
                predictedAt: 300),
            LiveOutcome(
                version: 1, alias: nil, requestID: "C1", prediction: 1, probability: 0.8, label: 0, predictedAt: 100),
        ]
        result.joined = 2
        result.tooOld = 1
        result.unmatched = 4
        let record = try registry.recordLabels(
            model: "churn_model", join: result, file: "new.csv", arrivedAt: 400, maxLabelAgeDays: 30)
        #expect(record.labels == 7 && record.outcomes == 2)
        let window = try registry.liveWindow(model: "churn_model", version: 1, limit: 10)
        #expect(window.map(\.predictedAt) == [300, 100] && window.map(\.label) == [1, 0])
        #expect(window.first?.file == "mar.csv")
        let totals = try #require(try registry.labelTotals(model: "churn_model"))
        #expect(totals.files == 1 && totals.joined == 2 && totals.tooOld == 1 && totals.unmatched == 4)
        #expect(totals.last.file == "new.csv")
    }
}
