import ChurnCore
import GRDB

extension Registry {
    /// What `register` stored.
    package struct Registration: Equatable, Sendable {
        package var version: ModelVersionRecord
        package var run: TrainingRunRecord
        /// The alias move, when the candidate was promoted.
        package var move: AliasEventRecord?
    }

    /// Registers an eligible candidate as the next version of its model and records its run, in one
    /// transaction: the artifact is written under `models/<name>/<version>/`, the version row added, the run
    /// recorded and, when `promote` is true, `alias` moved to it with its audit row. Nothing is registered when
    /// any step fails, and a written artifact is removed again.
    ///
    /// - Parameters:
    ///   - expectedChampion: the version at `alias` the candidate was judged against; when the alias has moved
    ///     since, throws `RegistryError.championChanged` so the caller can judge again.
    ///   - reason: the decision sentence for the version number this registration gets.
    ///   - alternatives: runs of the families the run did not choose (`not_selected`), recorded before its run.
    ///   - challenger: the rule `challenger` is moved by afterwards, in the same transaction.
    package func register(
        _ candidate: ModelArtifact, run: TrainingRunRecord, alias: String, expectedChampion: Int?, promote: Bool,
        actor: AuditActor, alternatives: [TrainingRunRecord] = [], challenger: ChallengerRule,
        reason: @escaping (_ version: Int) -> String
    ) throws -> Registration {
        let model = candidate.name
        var reserved: Int?
        do {
            return try write { db in
                let current = try aliasVersion(db, model: model, alias: alias)
                guard current == expectedChampion else {
                    throw RegistryError.championChanged(expected: expectedChampion, found: current)
                }
                let number =
                    try Int.fetchOne(
                        db, sql: "SELECT MAX(version) FROM model_version WHERE model_name = ?", arguments: [model]
                    ).map { $0 + 1 } ?? 1
                reserved = number
                var artifact = candidate
                artifact.version = number
                let stored = try artifacts.write(artifact)
                let now = clock()
                let version = ModelVersionRecord(artifact: artifact, stored: stored, registeredAt: now)
                try version.insert(db)
                for var alternative in alternatives { try alternative.insert(db) }
                var run = run
                run.version = number
                run.championVersion = expectedChampion
                run.outcome = promote ? .promoted : .kept
                run.reason = reason(number)
                try run.insert(db)
                var move: AliasEventRecord?
                if promote {
                    move = try moveAlias(
                        db, model: model, alias: alias, from: current, to: number, kind: .promote, actor: actor,
                        reason: run.reason, at: now)
                }
                try refreshChallenger(db, model: model, rule: challenger, actor: actor, at: now)
                return Registration(version: version, run: run, move: move)
            }
        } catch {
            if let reserved { removeOrphan(model: model, version: reserved) }
            throw error
        }
    }

    /// Removes the artifact of a version that did not get registered, holding the write lock so that no
    /// other process can be registering the same number meanwhile.
    func removeOrphan(model: String, version: Int) {
        _ = try? write { db in
            let registered = try ModelVersionRecord.exists(db, key: ["model_name": model, "version": version])
            if !registered { artifacts.remove(model: model, version: version) }
            return registered
        }
    }

    /// Records a run that registered nothing: refused by the gate, or failed; `alternatives` (the families
    /// it did not choose) go in first, so the run itself stays the latest.
    @discardableResult
    package func record(_ run: TrainingRunRecord, alternatives: [TrainingRunRecord] = []) throws -> TrainingRunRecord {
        try write { db in
            for var alternative in alternatives { try alternative.insert(db) }
            var run = run
            try run.insert(db)
            return run
        }
    }

    package func versions(model: String) throws -> [ModelVersionRecord] {
        try read { db in
            try ModelVersionRecord.filter(Column("model_name") == model).order(Column("version")).fetchAll(db)
        }
    }

    /// The version record, or `RegistryError.unknownVersion` listing the versions there are.
    package func version(model: String, _ number: Int) throws -> ModelVersionRecord {
        try read { db in try versionRecord(db, model: model, number) }
    }

    func versionRecord(_ db: Database, model: String, _ number: Int) throws -> ModelVersionRecord {
        if let record = try ModelVersionRecord.fetchOne(db, key: ["model_name": model, "version": number]) {
            return record
        }
        let numbers = try Int.fetchAll(
            db, sql: "SELECT version FROM model_version WHERE model_name = ? ORDER BY version", arguments: [model])
        throw RegistryError.unknownVersion(model: model, version: number, versions: numbers)
    }

    /// The most recent runs first.
    package func runs(model: String, limit: Int = 20) throws -> [TrainingRunRecord] {
        try read { db in
            try TrainingRunRecord.filter(Column("model_name") == model).order(Column("id").desc).limit(limit)
                .fetchAll(db)
        }
    }

    /// Number of runs by outcome.
    package func runCounts(model: String) throws -> [TrainingRunRecord.Outcome: Int] {
        try read { db in
            var counts: [TrainingRunRecord.Outcome: Int] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT outcome, COUNT(*) AS n FROM training_run WHERE model_name = ? GROUP BY outcome",
                arguments: [model])
            for row in rows {
                if let outcome = TrainingRunRecord.Outcome(rawValue: row["outcome"]) { counts[outcome] = row["n"] }
            }
            return counts
        }
    }
}

extension ModelVersionRecord {
    init(artifact: ModelArtifact, stored: ArtifactStore.Stored, registeredAt: Double) {
        let t = artifact.training
        self.init(
            modelName: artifact.name, version: artifact.version ?? 0, family: artifact.family,
            createdAt: artifact.createdAt, registeredAt: registeredAt, artifactPath: stored.relativePath,
            artifactSha256: stored.sha256, artifactBytes: stored.bytes, threshold: artifact.threshold,
            f1: artifact.metrics.f1, rocAuc: artifact.metrics.rocAUC, metrics: artifact.metrics,
            trainRows: t.trainRows, validationRows: t.validationRows, testRows: t.testRows, training: t,
            featureStatistics: artifact.featureStatistics, churndVersion: artifact.churndVersion)
    }
}
