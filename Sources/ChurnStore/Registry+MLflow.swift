import ChurnCore
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// One thing to log to MLflow, kept in the registry until MLflow has it: a training run (with its artifacts
/// and, for promoted and kept runs, its registered model version) or a drift report. The row remembers how far
/// the logging got (`mlflowRunID`, `step`, `mlflowVersion`), so a retry resumes instead of starting over and
/// MLflow never gets the same run twice.
package struct MLflowOutboxRecord: RegistryRecord, Equatable, Sendable {
    package static let databaseTableName = "mlflow_outbox"

    package enum Kind: String, Codable, Sendable, DatabaseValueConvertible {
        case run
        case driftReport = "drift_report"
    }

    package var id: Int64?
    package var kind: Kind
    /// The training run (kind `run`).
    package var trainingRunId: Int64?
    /// The drift report's file name in `state/reports` (kind `drift_report`); "" for runs.
    package var subject: String
    package var queuedAt: Double
    /// Set as soon as MLflow created the run: a retry continues it.
    package var mlflowRunId: String?
    /// How far the logging got: 0 nothing, 1 run created, 2 params/metrics/tags logged, 3 artifacts uploaded,
    /// 4 version registered, 5 run ended (done).
    package var step: Int
    package var mlflowVersion: String?
    package var attempts: Int
    /// Seconds since 1970 before which no retry is made.
    package var nextAttemptAt: Double
    package var lastError: String?
    package var doneAt: Double?

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension Registry {
    /// The outbox of MLflow logging and this registry's own id (which tags its runs in MLflow, so a run created
    /// just before a crash is found again instead of created twice).
    static func registerMLflowMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-mlflow-outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE mlflow_outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL CHECK (kind IN ('run', 'drift_report')),
                        training_run_id INTEGER REFERENCES training_run (id),
                        subject TEXT NOT NULL DEFAULT '',
                        queued_at REAL NOT NULL,
                        mlflow_run_id TEXT,
                        step INTEGER NOT NULL DEFAULT 0 CHECK (step BETWEEN 0 AND 5),
                        mlflow_version TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL NOT NULL DEFAULT 0,
                        last_error TEXT,
                        done_at REAL,
                        CHECK ((kind = 'run') = (training_run_id IS NOT NULL))
                    );
                    CREATE UNIQUE INDEX mlflow_outbox_run ON mlflow_outbox (training_run_id) WHERE kind = 'run';
                    CREATE UNIQUE INDEX mlflow_outbox_report ON mlflow_outbox (subject) WHERE kind = 'drift_report';
                    CREATE INDEX mlflow_outbox_pending ON mlflow_outbox (done_at, next_attempt_at);
                    CREATE TABLE mlflow_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    INSERT INTO mlflow_state (key, value) VALUES ('registry_id', lower(hex(randomblob(16))));
                    """)
        }
    }

    /// This registry's random id, made when the outbox was created.
    package func mlflowRegistryID() throws -> String {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM mlflow_state WHERE key = 'registry_id'") ?? ""
        }
    }

    /// Queues every recorded training run (and every drift report named in `reports`) that is not queued yet;
    /// returns how many were added.
    @discardableResult
    package func queueMLflowLogging(reports: [String] = []) throws -> Int {
        let now = clock()
        // Most calls find nothing new: read first, so an idle pass never writes (and never wakes readers
        // that watch the database files for changes).
        let (newRuns, known) = try read { db in
            let runs =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM training_run
                        WHERE id NOT IN (SELECT training_run_id FROM mlflow_outbox WHERE kind = 'run')
                        """) ?? 0
            let known = try String.fetchSet(db, sql: "SELECT subject FROM mlflow_outbox WHERE kind = 'drift_report'")
            return (runs, known)
        }
        let newReports = reports.filter { !known.contains($0) }
        guard newRuns > 0 || !newReports.isEmpty else { return 0 }
        return try write { db in
            try db.execute(
                sql: """
                    INSERT INTO mlflow_outbox (kind, training_run_id, queued_at)
                    SELECT 'run', id, ? FROM training_run
                    WHERE id NOT IN (SELECT training_run_id FROM mlflow_outbox WHERE kind = 'run')
                    ORDER BY id
                    """, arguments: [now])
            var added = db.changesCount
            for name in newReports {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO mlflow_outbox (kind, subject, queued_at) VALUES ('drift_report', ?, ?)
                        """, arguments: [name, now])
                added += db.changesCount
            }
            return added
        }
    }

    /// Items not logged yet whose retry time has come, oldest first.
    package func dueMLflowItems(limit: Int = 100) throws -> [MLflowOutboxRecord] {
        let now = clock()
        return try read { db in
            try MLflowOutboxRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM mlflow_outbox WHERE done_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?
                    """, arguments: [now, limit])
        }
    }

    /// Every item of the outbox, oldest first (for status and tests).
    package func mlflowItems() throws -> [MLflowOutboxRecord] {
        try read { db in try MLflowOutboxRecord.order(Column("id")).fetchAll(db) }
    }

    /// Items not logged yet, due or waiting for their retry time.
    package func pendingMLflowCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM mlflow_outbox WHERE done_at IS NULL") ?? 0 }
    }

    /// Saves how far an item got.
    package func saveMLflowItem(_ item: MLflowOutboxRecord) throws {
        try write { db in try item.update(db) }
    }

    /// The MLflow run and registered version of a registry version, once logged.
    package func mlflowRun(model: String, version: Int) throws -> (runID: String, mlflowVersion: String?)? {
        try read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT o.mlflow_run_id, o.mlflow_version FROM mlflow_outbox o
                    JOIN training_run r ON r.id = o.training_run_id
                    WHERE o.kind = 'run' AND r.model_name = ? AND r.version = ? AND o.mlflow_run_id IS NOT NULL
                    ORDER BY o.id DESC LIMIT 1
                    """, arguments: [model, version])
            guard let row, let runID: String = row["mlflow_run_id"] else { return nil }
            return (runID, row["mlflow_version"])
        }
    }

    /// The version registered by the run that `run` was trained alongside (a family not selected shares its
    /// start with the chosen one), whose artifact lists every family's validation F1.
    package func versionTrainedAlongside(_ run: TrainingRunRecord) throws -> Int? {
        try read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT version FROM training_run
                    WHERE model_name = ? AND started_at = ? AND version IS NOT NULL ORDER BY id LIMIT 1
                    """, arguments: [run.modelName, run.startedAt])
        }
    }

    /// A training run by id.
    package func trainingRun(id: Int64) throws -> TrainingRunRecord? {
        try read { db in try TrainingRunRecord.fetchOne(db, key: id) }
    }

    /// Runs `body` holding `mlflow.lock` beside the registry, so only one process (the daemon or a command)
    /// logs to MLflow at a time; returns nil at once, without running `body`, when another holds it.
    package func withMLflowLockIfFree<T>(_ body: () throws -> T) throws -> T? {
        let directory = FileSystem.split(path).directory
        let lockPath = directory + "/mlflow.lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ChurnError.io(path: lockPath, operation: "open", errno: errno) }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            if errno == EWOULDBLOCK { return nil }
            throw ChurnError.io(path: lockPath, operation: "flock", errno: errno)
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}

extension Registry {
    /// The MLflow version `alias` pointed at when churnd and MLflow last agreed on it (`[registry] backend =
    /// "mlflow"`): a different value in MLflow means someone moved it there since.
    package func mlflowAliasAgreed(_ alias: String) throws -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM mlflow_state WHERE key = ?", arguments: ["alias:" + alias])
        }
    }

    package func setMLflowAliasAgreed(_ alias: String, _ version: String) throws {
        guard try mlflowAliasAgreed(alias) != version else { return }
        try write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO mlflow_state (key, value) VALUES (?, ?)",
                arguments: ["alias:" + alias, version])
        }
    }

    /// The MLflow model version a registry version was registered as, once logged.
    package func mlflowVersion(model: String, version: Int) throws -> String? {
        if let logged = try mlflowRun(model: model, version: version)?.mlflowVersion { return logged }
        return try importedMLflowVersion(model: model, version: version)
    }
}
