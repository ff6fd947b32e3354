import ChurnCore
import GRDB

extension Registry {
    /// The latest run of `model` with this fingerprint, whatever its outcome (the families a run did not
    /// choose aside); nil when nothing was trained on these files with these settings.
    package func run(model: String, fingerprint: String) throws -> TrainingRunRecord? {
        try read { db in
            try TrainingRunRecord.filter(
                Column("model_name") == model && Column("fingerprint") == fingerprint
                    && Column("outcome") != TrainingRunRecord.Outcome.notSelected.rawValue
            ).order(Column("id").desc).fetchOne(db)
        }
    }

    /// A version production was rolled back from after a drift alert, with the fingerprint of the run that
    /// registered it (nil for runs from before fingerprints).
    package struct DriftRollback: Equatable, Sendable {
        package var version: Int
        package var fingerprint: String?
    }

    /// Every version production was rolled back from after a drift alert, oldest first: neither it nor a
    /// candidate trained on its data is promoted automatically again.
    package func driftRollbacks(model: String) throws -> [DriftRollback] {
        try read { db in try driftRollbacks(db, model: model) }
    }

    func driftRollbacks(_ db: Database, model: String) throws -> [DriftRollback] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT e.from_version AS version, (
                    SELECT r.fingerprint FROM training_run r
                    WHERE r.model_name = e.model_name AND r.version = e.from_version
                        AND r.outcome IN ('promoted', 'kept')
                    ORDER BY r.id DESC LIMIT 1
                ) AS fingerprint
                FROM alias_event e
                WHERE e.model_name = ? AND e.alias = ? AND e.kind = 'rollback' AND e.cause = ?
                    AND e.from_version IS NOT NULL
                ORDER BY e.id
                """,
            arguments: [model, AliasName.production, AliasCause.driftAlert.rawValue])
        var seen: Set<Int> = []
        return rows.compactMap { row in
            let version: Int = row["version"]
            guard seen.insert(version).inserted else { return nil }
            return DriftRollback(version: version, fingerprint: row["fingerprint"])
        }
    }

    /// Registered versions trained on the same data and settings as a version rolled back after a drift alert
    /// (that version included): kept out of `challenger`, which live F1 may promote.
    func versionsLikeDriftRollbacks(_ db: Database, model: String) throws -> Set<Int> {
        let rollbacks = try driftRollbacks(db, model: model)
        var versions = Set(rollbacks.map(\.version))
        let fingerprints = rollbacks.compactMap(\.fingerprint)
        guard !fingerprints.isEmpty else { return versions }
        let placeholders = fingerprints.map { _ in "?" }.joined(separator: ", ")
        let alike = try Int.fetchAll(
            db,
            sql: """
                SELECT DISTINCT version FROM training_run
                WHERE model_name = ? AND version IS NOT NULL AND fingerprint IN (\(placeholders))
                """,
            arguments: StatementArguments([model] + fingerprints))
        versions.formUnion(alike)
        return versions
    }
}
