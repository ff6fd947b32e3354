import ChurnCore
import ChurnTestKit
import Foundation
import GRDB
import Synchronization
import Testing

@testable import ChurnStore

/// The registry file itself: settings, refusals, tampering, and concurrent writers.
@Suite(.serialized)
struct RegistryTests {
    /// A registry with versions 1 and 2 (1 in production; 2 is the same model again, kept), trained once and
    /// copied per test.
    static let seeded: TemporaryDirectory = {
        do {
            let dir = try TemporaryDirectory("churnd-registry-seed")
            let lifecycle = try ModelLifecycle(root: dir.path, config: SingleSplit.config)
            let file = try dir.generate("a.csv", rows: 2000, seed: 1)
            _ = try lifecycle.train(files: [file], actor: .user)
            _ = try lifecycle.train(files: [file], actor: .user)
            return dir
        } catch {
            fatalError("cannot seed a registry: \(error)")
        }
    }()

    /// A fresh copy of the seeded registry and its artifacts, removed when released.
    final class Copy {
        let dir: TemporaryDirectory
        let lifecycle: ModelLifecycle
        var path: String { dir.path }

        init() throws {
            dir = try TemporaryDirectory()
            try FileManager.default.removeItem(atPath: dir.path)
            try FileManager.default.copyItem(atPath: RegistryTests.seeded.path, toPath: dir.path)
            lifecycle = try ModelLifecycle(root: dir.path, config: SingleSplit.config)
        }
    }

    @Test func theDatabaseUsesWALFullSyncForeignKeysAndABusyTimeout() throws {
        let copy = try Copy()
        defer { withExtendedLifetime(copy) {} }
        let lifecycle = copy.lifecycle
        let settings = try lifecycle.registry.database.write { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                try Int.fetchOne(db, sql: "PRAGMA foreign_keys"), try Int.fetchOne(db, sql: "PRAGMA busy_timeout")
            )
        }
        #expect(settings.0 == "wal")
        #expect(settings.1 == 2)  // FULL
        #expect(settings.2 == 1)
        #expect((settings.3 ?? 0) >= 5000)
    }

    @Test func anAutomaticMoveIsRefusedWhenProductionMovedMeanwhile() throws {
        let copy = try Copy()
        defer { withExtendedLifetime(copy) {} }
        let registry = copy.lifecycle.registry
        let before = try copy.lifecycle.history().count
        // Judged against v2, but production is at v1.
        #expect(throws: RegistryError.self) {
            try registry.promote(
                model: "churn_model", version: 2, actor: .daemon, reason: "live", challenger: .standard,
                onlyFrom: 2)
        }
        #expect(try copy.lifecycle.servingVersion() == 1)
        #expect(try copy.lifecycle.history().count == before)
        // Judged against the version that is still there: the move happens.
        let change = try registry.promote(
            model: "churn_model", version: 2, actor: .daemon, reason: "live", challenger: .standard, onlyFrom: 1)
        #expect(change.version == 2)
        #expect(try copy.lifecycle.servingVersion() == 2)
    }

    @Test func theAuditLogIsAppendOnly() throws {
        let copy = try Copy()
        defer { withExtendedLifetime(copy) {} }
        let lifecycle = copy.lifecycle
        #expect(throws: DatabaseError.self) {
            try lifecycle.registry.database.write { db in try db.execute(sql: "UPDATE alias_event SET to_version = 2") }
        }
        #expect(throws: DatabaseError.self) {
            try lifecycle.registry.database.write { db in try db.execute(sql: "DELETE FROM alias_event") }
        }
    }

    @Test(
        "requests that cannot be done name the valid choices",
        arguments: [
            ("promote 99", "no version 99; versions are 1–2"),
            ("promote 2 --alias bad/name", "invalid alias name \"bad/name\": use letters, digits, '_' and '-' only"),
            ("promote 2 --alias ''", "invalid alias name \"\""),
            ("rollback", "no earlier production version: production has only ever been v1;"),
            ("rollback 7", "no version 7; versions are 1–2"),
            ("serve nightly", "no alias \"nightly\"; aliases are challenger (v2), production (v1)"),
            ("history nightly", "no alias \"nightly\"; aliases are challenger, production"),
        ])
    func refusals(request: String, message: String) throws {
        let copy = try Copy()
        defer { withExtendedLifetime(copy) {} }
        let lifecycle = copy.lifecycle
        let words = request.split(separator: " ").map(String.init)
        let alias = words.count > 3 ? (words[3] == "''" ? "" : words[3]) : AliasName.production
        do {
            switch words[0] {
            case "promote": try lifecycle.promote(version: Int(words[1])!, alias: alias, actor: .user)
            case "rollback": try lifecycle.rollback(to: words.count > 1 ? Int(words[1]) : nil, actor: .user)
            case "serve": _ = try lifecycle.loadServing(alias: words[1])
            default: _ = try lifecycle.history(alias: words[1])
            }
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
        #expect(try lifecycle.history().count == 2, "a refusal changes nothing")
    }

    @Test func promotingTheCurrentVersionChangesNothing() throws {
        let copy = try Copy()
        defer { withExtendedLifetime(copy) {} }
        let lifecycle = copy.lifecycle
        #expect(try lifecycle.promote(version: 1, actor: .user).move == nil)
        #expect(try lifecycle.history().count == 2)
        let change = try lifecycle.promote(version: 1, alias: "nightly", actor: .user, reason: "nightly A/B")
        #expect(change.move?.fromVersion == nil && change.move?.reason == "nightly A/B")
        #expect(try lifecycle.history().count == 3, "a move of another alias leaves the challenger alone")
        #expect(
            try lifecycle.registry.aliases(model: "churn_model").map(\.name) == ["challenger", "nightly", "production"])
    }

    @Test func aRegistryFromANewerChurndIsRefusedAndLeftAlone() throws {
        let copy = try Copy()
        defer { withExtendedLifetime(copy) {} }
        let dir = copy.dir
        let path = "\(dir.path)/state/registry.sqlite"
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')")
        }
        do {
            _ = try ModelLifecycle(root: dir.path, config: SingleSplit.config)
            Issue.record("expected a refusal")
        } catch let error as RegistryError {
            #expect("\(error)".contains("was written by a newer churnd"))
            #expect("\(error)".contains("v9-from-the-future"))
        }
        let identifiers = try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
        #expect(identifiers == Registry.migrator.migrations + ["v9-from-the-future"])
    }

    @Test func aFileThatIsNotSQLiteIsRefused() throws {
        let dir = try TemporaryDirectory()
        try dir.write("state/registry.sqlite", String(repeating: "customer_id,churn\nC1,1\n", count: 400))
        do {
            _ = try ModelLifecycle(root: dir.path, config: SingleSplit.config)
            Issue.record("expected a refusal")
        } catch let error as RegistryError {
            #expect(
                "\(error)".contains("registry.sqlite is not a churnd registry (file is not a database)"), "\(error)")
        }
    }

    @Test func aDeletedArtifactIsAClearErrorAndCannotBePromoted() throws {
        let copy = try Copy()
        defer { withExtendedLifetime(copy) {} }
        let lifecycle = copy.lifecycle
        let dir = copy.dir
        try FileManager.default.removeItem(atPath: "\(dir.path)/state/models/churn_model/2/model.json")
        #expect(
            throws: RegistryError.artifactMissing(path: "\(dir.path)/state/models/churn_model/2/model.json", version: 2)
        ) {
            try lifecycle.loadArtifact(version: 2)
        }
        #expect(throws: RegistryError.self) { try lifecycle.promote(version: 2, actor: .user) }
        #expect(try lifecycle.servingVersion() == 1)
    }

    @Test func aModifiedArtifactIsDetectedBySHA256() throws {
        let copy = try Copy()
        defer { withExtendedLifetime(copy) {} }
        let lifecycle = copy.lifecycle
        let dir = copy.dir
        let path = "\(dir.path)/state/models/churn_model/1/model.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"threshold\" : 0.", with: "\"threshold\" : 0.0").write(
            toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try lifecycle.loadServing()
            Issue.record("expected the change to be detected")
        } catch let error as RegistryError {
            #expect("\(error)".hasPrefix("\(path): model file of version 1 was changed outside churnd (SHA-256"))
        }
        #expect(throws: RegistryError.self) { try lifecycle.rollback(to: 1, actor: .user) }
    }

    @Test func openersRacingOnANewRegistryAllGetIt() throws {
        // A new database becomes WAL in its first connection, and SQLite answers a second connection switching
        // it at the same moment with "database is locked" at once, busy timeout or not: `churnd status` polled
        // while the first `churnd run` on a fresh root starts used to stop the daemon that way.
        let failures = Mutex<[String]>([])
        for _ in 0..<25 {
            let dir = try TemporaryDirectory("churnd-registry-race")
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                do {
                    _ = try Registry(stateDirectory: "\(dir.path)/state")
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
    }

    @Test func concurrentWritersNeverLoseOrTearAMove() throws {
        // Two registries (two connection pools, as two processes would have) racing promote and rollback.
        let copy = try Copy()
        defer { withExtendedLifetime(copy) {} }
        let dir = copy.dir
        let rounds = 150
        let moves = Mutex<[Int64]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            do {
                let lifecycle = try ModelLifecycle(root: dir.path, config: SingleSplit.config)
                for round in 0..<rounds {
                    let change =
                        round % 2 == 0
                        ? try lifecycle.promote(version: 2 - worker, actor: .user("w\(worker)"))
                        : try lifecycle.rollback(actor: .user("w\(worker)"))
                    if let id = change.move?.id { moves.withLock { $0.append(id) } }
                }
            } catch let error as RegistryError {
                // Rollback may find nothing to go back to after a move by the other worker.
                if case .noRollbackTarget = error { return }
                Issue.record("\(error)")
            } catch {
                Issue.record("\(error)")
            }
        }
        let lifecycle = try ModelLifecycle(root: dir.path, config: SingleSplit.config)
        let events = try lifecycle.history(alias: AliasName.production).reversed()
        // Every reported move is audited exactly once, and each alias's history is one unbroken chain.
        #expect(events.compactMap(\.id).dropFirst().sorted() == moves.withLock { $0 }.sorted())
        for alias in [AliasName.production, AliasName.challenger] {
            var current: Int? = nil
            for event in try lifecycle.history(alias: alias).reversed() {
                #expect(event.fromVersion == current)
                current = event.toVersion
            }
            #expect(try lifecycle.servingVersion(alias: alias) == current)
        }
    }
}
