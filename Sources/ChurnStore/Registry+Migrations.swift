import ChurnCore
import GRDB

extension Registry {
    /// Named, append-only migrations: never edit or reorder one that shipped; add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-versions-runs-aliases-audit") { db in
            try db.execute(
                sql: """
                    CREATE TABLE model_version (
                        model_name TEXT NOT NULL,
                        version INTEGER NOT NULL CHECK (version >= 1),
                        family TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        registered_at REAL NOT NULL,
                        artifact_path TEXT NOT NULL,
                        artifact_sha256 TEXT NOT NULL CHECK (length(artifact_sha256) = 64),
                        artifact_bytes INTEGER NOT NULL,
                        threshold REAL NOT NULL,
                        f1 REAL NOT NULL,
                        roc_auc REAL,
                        metrics TEXT NOT NULL,            -- JSON
                        train_rows INTEGER NOT NULL,
                        validation_rows INTEGER NOT NULL,
                        test_rows INTEGER NOT NULL,
                        training TEXT NOT NULL,           -- JSON: seed, rows, seconds, inputs with SHA-256
                        feature_statistics TEXT NOT NULL, -- JSON, for drift checks
                        churnd_version TEXT NOT NULL,
                        PRIMARY KEY (model_name, version)
                    );
                    CREATE TABLE training_run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model_name TEXT NOT NULL,
                        started_at REAL NOT NULL,
                        finished_at REAL NOT NULL,
                        seconds REAL NOT NULL,
                        actor TEXT NOT NULL,
                        outcome TEXT NOT NULL CHECK (outcome IN ('promoted', 'kept', 'refused', 'failed')),
                        reason TEXT NOT NULL,
                        version INTEGER,
                        champion_version INTEGER,
                        rows INTEGER,
                        parameters TEXT NOT NULL,         -- JSON
                        metrics TEXT,                     -- JSON
                        verdict TEXT,                     -- JSON
                        inputs TEXT NOT NULL,             -- JSON: path, bytes, rows, SHA-256 of each file
                        refused_files TEXT NOT NULL,      -- JSON
                        churnd_version TEXT NOT NULL,
                        FOREIGN KEY (model_name, version) REFERENCES model_version (model_name, version)
                    );
                    CREATE INDEX training_run_by_model ON training_run (model_name, id);
                    CREATE TABLE alias (
                        model_name TEXT NOT NULL,
                        name TEXT NOT NULL CHECK (name <> '' AND name NOT GLOB '*[^A-Za-z0-9_-]*'),
                        version INTEGER NOT NULL,
                        moved_at REAL NOT NULL,
                        PRIMARY KEY (model_name, name),
                        FOREIGN KEY (model_name, version) REFERENCES model_version (model_name, version)
                    );
                    CREATE TABLE alias_event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model_name TEXT NOT NULL,
                        alias TEXT NOT NULL,
                        at REAL NOT NULL,
                        from_version INTEGER,
                        to_version INTEGER NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('promote', 'rollback')),
                        actor TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        FOREIGN KEY (model_name, to_version) REFERENCES model_version (model_name, version)
                    );
                    CREATE INDEX alias_event_by_alias ON alias_event (model_name, alias, id);
                    -- The audit log is append-only.
                    CREATE TRIGGER alias_event_no_update BEFORE UPDATE ON alias_event
                    BEGIN SELECT RAISE(ABORT, 'the alias audit log is append-only'); END;
                    CREATE TRIGGER alias_event_no_delete BEFORE DELETE ON alias_event
                    BEGIN SELECT RAISE(ABORT, 'the alias audit log is append-only'); END;
                    """)
        }
        // SQLite cannot change a CHECK constraint in place: both tables are rebuilt with their rows, indexes
        // and triggers. Runs may now be `not_selected` (a family the run trained but did not choose), and an
        // alias may be removed (`kind = 'remove'`, no `to_version`).
        migrator.registerMigration("v2-not-selected-runs-alias-removal") { db in
            try db.execute(
                sql: """
                    CREATE TABLE training_run_v2 (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model_name TEXT NOT NULL,
                        started_at REAL NOT NULL,
                        finished_at REAL NOT NULL,
                        seconds REAL NOT NULL,
                        actor TEXT NOT NULL,
                        outcome TEXT NOT NULL
                            CHECK (outcome IN ('promoted', 'kept', 'refused', 'failed', 'not_selected')),
                        reason TEXT NOT NULL,
                        version INTEGER,
                        champion_version INTEGER,
                        rows INTEGER,
                        parameters TEXT NOT NULL,
                        metrics TEXT,
                        verdict TEXT,
                        inputs TEXT NOT NULL,
                        refused_files TEXT NOT NULL,
                        churnd_version TEXT NOT NULL,
                        FOREIGN KEY (model_name, version) REFERENCES model_version (model_name, version)
                    );
                    INSERT INTO training_run_v2 SELECT * FROM training_run;
                    DROP TABLE training_run;
                    ALTER TABLE training_run_v2 RENAME TO training_run;
                    CREATE INDEX training_run_by_model ON training_run (model_name, id);
                    CREATE TABLE alias_event_v2 (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model_name TEXT NOT NULL,
                        alias TEXT NOT NULL,
                        at REAL NOT NULL,
                        from_version INTEGER,
                        to_version INTEGER,
                        kind TEXT NOT NULL CHECK (kind IN ('promote', 'rollback', 'remove')),
                        actor TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        CHECK ((kind = 'remove') = (to_version IS NULL)),
                        FOREIGN KEY (model_name, to_version) REFERENCES model_version (model_name, version)
                    );
                    INSERT INTO alias_event_v2 SELECT * FROM alias_event;
                    DROP TABLE alias_event;
                    ALTER TABLE alias_event_v2 RENAME TO alias_event;
                    CREATE INDEX alias_event_by_alias ON alias_event (model_name, alias, id);
                    CREATE TRIGGER alias_event_no_update BEFORE UPDATE ON alias_event
                    BEGIN SELECT RAISE(ABORT, 'the alias audit log is append-only'); END;
                    CREATE TRIGGER alias_event_no_delete BEFORE DELETE ON alias_event
                    BEGIN SELECT RAISE(ABORT, 'the alias audit log is append-only'); END;
                    """)
        }
        // Live F1: labeled outcomes of logged predictions, one per (version, request id); the id orders the
        // sliding window.
        migrator.registerMigration("v3-live-outcomes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE live_outcome (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model_name TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        alias TEXT,
                        request_id TEXT NOT NULL,
                        prediction INTEGER NOT NULL CHECK (prediction IN (0, 1)),
                        probability REAL NOT NULL,
                        label INTEGER NOT NULL CHECK (label IN (0, 1)),
                        predicted_at REAL NOT NULL,
                        labeled_at REAL NOT NULL,
                        label_file TEXT NOT NULL,
                        UNIQUE (model_name, version, request_id),
                        FOREIGN KEY (model_name, version) REFERENCES model_version (model_name, version)
                    );
                    CREATE INDEX live_outcome_by_version ON live_outcome (model_name, version, id);
                    """)
        }
        // Labels judge the prediction they were meant for: an outcome is one labeled prediction (version, id and
        // the time it was made), so a customer's January and March predictions are separate outcomes, and it
        // records the file the prediction was made for. Every label file's join counts are kept (joined, too
        // old, matched nothing).
        migrator.registerMigration("v4-label-joins") { db in
            try db.execute(
                sql: """
                    CREATE TABLE live_outcome_v4 (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model_name TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        alias TEXT,
                        request_id TEXT NOT NULL,
                        prediction INTEGER NOT NULL CHECK (prediction IN (0, 1)),
                        probability REAL NOT NULL,
                        label INTEGER NOT NULL CHECK (label IN (0, 1)),
                        predicted_at REAL NOT NULL,
                        labeled_at REAL NOT NULL,
                        label_file TEXT NOT NULL,
                        prediction_file TEXT,
                        UNIQUE (model_name, version, request_id, predicted_at),
                        FOREIGN KEY (model_name, version) REFERENCES model_version (model_name, version)
                    );
                    INSERT INTO live_outcome_v4 (
                        id, model_name, version, alias, request_id, prediction, probability, label, predicted_at,
                        labeled_at, label_file)
                    SELECT id, model_name, version, alias, request_id, prediction, probability, label, predicted_at,
                        labeled_at, label_file FROM live_outcome;
                    DROP TABLE live_outcome;
                    ALTER TABLE live_outcome_v4 RENAME TO live_outcome;
                    CREATE INDEX live_outcome_by_version ON live_outcome (model_name, version, id);
                    CREATE TABLE label_file (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model_name TEXT NOT NULL,
                        file TEXT NOT NULL,
                        arrived_at REAL NOT NULL,
                        processed_at REAL NOT NULL,
                        max_label_age_days REAL NOT NULL,
                        labels INTEGER NOT NULL CHECK (labels >= 0),
                        joined INTEGER NOT NULL CHECK (joined >= 0),
                        too_old INTEGER NOT NULL CHECK (too_old >= 0),
                        unmatched INTEGER NOT NULL CHECK (unmatched >= 0),
                        outcomes INTEGER NOT NULL CHECK (outcomes >= 0),
                        CHECK (joined + too_old + unmatched = labels)
                    );
                    CREATE INDEX label_file_by_model ON label_file (model_name, id);
                    """)
        }
        // Decisions that stick: every run records what it learned from (see `TrainingFingerprint`; runs from
        // before have none), and an alias move records its cause when it was not a person's or the promotion
        // rule's: 'drift_alert' for the daemon's rollbacks, which keep their versions' data out of production.
        migrator.registerMigration("v5-run-fingerprints") { db in
            try db.execute(
                sql: """
                    ALTER TABLE training_run ADD COLUMN fingerprint TEXT CHECK (length(fingerprint) = 64);
                    CREATE INDEX training_run_by_fingerprint ON training_run (model_name, fingerprint);
                    ALTER TABLE alias_event ADD COLUMN cause TEXT CHECK (cause IN ('drift_alert'));
                    """)
        }
        registerMLflowMigration(&migrator)
        // Cross-validated runs record how their family, settings and threshold were chosen (JSON:
        // `CrossValidationReport`: folds, out-of-fold F1 with its spread over the folds, the chosen settings and
        // every setting tried); NULL for runs on the single validation split and runs from before.
        migrator.registerMigration("v7-cross-validation") { db in
            try db.execute(sql: "ALTER TABLE training_run ADD COLUMN cross_validation TEXT")
        }
        return migrator
    }

    /// Applies missing migrations; refuses a registry that a newer churnd has migrated further.
    func migrate() throws {
        let migrator = Self.migrator
        let known = migrator.migrations.last ?? ""
        func checkNotNewer(_ db: Database) throws {
            let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
            if !unknown.isEmpty { throw RegistryError.newerSchema(path: path, unknown: unknown, known: known) }
        }
        let complete = try read { db in
            try checkNotNewer(db)
            return try migrator.hasCompletedMigrations(db)
        }
        guard !complete else { return }
        try withMigrationLock {
            do {
                try database.read { db in try checkNotNewer(db) }
                try migrator.migrate(database)
            } catch let error as DatabaseError {
                throw Self.translate(error, path: path)
            }
        }
    }
}
