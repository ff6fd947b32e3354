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
        try registry.pool.write { db in
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
}
