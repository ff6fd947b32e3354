import ChurnCore
import GRDB

extension Registry {
    /// The result of a promote or rollback request: the audited move, or nil when the alias already pointed
    /// at the requested version (nothing changed, nothing audited).
    package struct AliasChange: Equatable, Sendable {
        package var alias: String
        package var version: Int
        package var move: AliasEventRecord?
    }

    /// The version `alias` points to, or nil. One indexed read: cheap enough to poll every second.
    package func aliasVersion(model: String, alias: String) throws -> Int? {
        try read { db in try aliasVersion(db, model: model, alias: alias) }
    }

    func aliasVersion(_ db: Database, model: String, alias: String) throws -> Int? {
        try Int.fetchOne(
            db, sql: "SELECT version FROM alias WHERE model_name = ? AND name = ?", arguments: [model, alias])
    }

    package func aliases(model: String) throws -> [AliasRecord] {
        try read { db in try AliasRecord.filter(Column("model_name") == model).order(Column("name")).fetchAll(db) }
    }

    /// Audited moves, newest first; every alias when `alias` is nil.
    package func history(model: String, alias: String? = nil, limit: Int? = nil) throws -> [AliasEventRecord] {
        try read { db in
            var request = AliasEventRecord.filter(Column("model_name") == model)
            if let alias { request = request.filter(Column("alias") == alias) }
            request = request.order(Column("id").desc)
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// Points `alias` at `version` (creating the alias if needed) after checking the version's artifact.
    /// - Parameter onlyFrom: when given, the move happens only if `alias` still points there (checked in the
    ///   same transaction); otherwise `RegistryError.championChanged` is thrown. For automatic moves judged
    ///   against a version that another process may have moved meanwhile.
    package func promote(
        model: String, version: Int, alias: String = AliasName.production, actor: AuditActor, reason: String? = nil,
        challenger: ChallengerRule, onlyFrom expected: Int? = nil
    ) throws -> AliasChange {
        try AliasName.check(alias)
        return try write { db in
            let record = try versionRecord(db, model: model, version)
            try artifacts.verify(record)
            let current = try aliasVersion(db, model: model, alias: alias)
            if let expected, current != expected {
                throw RegistryError.championChanged(expected: expected, found: current)
            }
            guard current != version else { return AliasChange(alias: alias, version: version, move: nil) }
            let move = try moveAlias(
                db, model: model, alias: alias, from: current, to: version, kind: .promote, actor: actor,
                reason: reason ?? "promoted by hand", at: clock())
            if alias != AliasName.challenger {
                try refreshChallenger(db, model: model, rule: challenger, actor: actor, at: move.at)
            }
            return AliasChange(alias: alias, version: version, move: move)
        }
    }

    /// Moves `alias` back: to `version` when given, else to the version that served before the current one,
    /// skipping versions that were rolled back from (see `AliasHistory`).
    /// - Parameter cause: why the daemon rolls back (`.driftAlert` keeps the version and its data out of
    ///   production for good, see `driftRollbacks`); nil for a person's rollback.
    package func rollback(
        model: String, to version: Int? = nil, alias: String = AliasName.production, actor: AuditActor,
        reason: String? = nil, cause: AliasCause? = nil, challenger: ChallengerRule
    ) throws -> AliasChange {
        try AliasName.check(alias)
        return try write { db in
            let history = try aliasHistory(db, model: model, alias: alias)
            let target: Int
            if let version {
                target = version
            } else if let found = history.rollbackTarget {
                target = found
            } else {
                let numbers = try Int.fetchAll(
                    db, sql: "SELECT version FROM model_version WHERE model_name = ? ORDER BY version",
                    arguments: [model])
                throw RegistryError.noRollbackTarget(message: history.noTargetMessage(versions: numbers))
            }
            let record = try versionRecord(db, model: model, target)
            try artifacts.verify(record)
            let current = history.current
            guard current != target else { return AliasChange(alias: alias, version: target, move: nil) }
            let because = current.map { "rolled back by hand from v\($0)" } ?? "rolled back by hand"
            let move = try moveAlias(
                db, model: model, alias: alias, from: current, to: target, kind: .rollback, actor: actor,
                reason: reason ?? because, cause: cause, at: clock())
            if alias != AliasName.challenger {
                try refreshChallenger(db, model: model, rule: challenger, actor: actor, at: move.at)
            }
            return AliasChange(alias: alias, version: target, move: move)
        }
    }

    /// The moves of `alias`, oldest first.
    func aliasHistory(_ db: Database, model: String, alias: String) throws -> AliasHistory {
        let events = try AliasEventRecord.filter(Column("model_name") == model && Column("alias") == alias)
            .order(Column("id")).fetchAll(db)
        return AliasHistory(
            alias: alias,
            moves: events.compactMap { event in
                event.toVersion.map { AliasHistory.Move(from: event.fromVersion, to: $0, kind: event.kind) }
            })
    }

    /// Moves the alias and appends its audit row; only ever called inside a write transaction.
    func moveAlias(
        _ db: Database, model: String, alias: String, from: Int?, to: Int?, kind: AliasHistory.Kind,
        actor: AuditActor, reason: String, cause: AliasCause? = nil, at time: Double
    ) throws -> AliasEventRecord {
        if let to {
            try AliasRecord(modelName: model, name: alias, version: to, movedAt: time).upsert(db)
        } else {
            try db.execute(sql: "DELETE FROM alias WHERE model_name = ? AND name = ?", arguments: [model, alias])
        }
        var event = AliasEventRecord(
            id: nil, modelName: model, alias: alias, at: time, fromVersion: from, toVersion: to, kind: kind,
            actor: actor, reason: reason, cause: cause)
        try event.insert(db)
        return event
    }
}
