import ChurnCore
import Foundation
import GRDB

extension ChallengerRule {
    /// The rule with the default gate, for registry calls that do not pass the configured one.
    package static let standard = ChallengerRule(gateF1: Config.Promotion().gateF1)
}

extension Registry {
    /// The version `challenger` should point at now, by `rule`.
    func bestChallenger(_ db: Database, model: String, rule: ChallengerRule) throws -> ChallengerRule.Candidate? {
        let champion = try aliasVersion(db, model: model, alias: AliasName.production)
        let rows = try Row.fetchAll(
            db, sql: "SELECT version, f1, feature_statistics FROM model_version WHERE model_name = ?",
            arguments: [model])
        let decoder = ModelVersionRecord.databaseJSONDecoder(for: "feature_statistics")
        let candidates = try rows.map { row in
            let json: String = row["feature_statistics"]
            let statistics = try decoder.decode([FeatureStatistics].self, from: Data(json.utf8))
            return ChallengerRule.Candidate(version: row["version"], testF1: row["f1"], schemaKey: statistics.schemaKey)
        }
        // Out of service, and (after a drift alert) out for good, with every version trained on the same data.
        let excluded = try aliasHistory(db, model: model, alias: AliasName.production).rolledBackFrom
            .union(try versionsLikeDriftRollbacks(db, model: model))
        return rule.pick(candidates, champion: champion, excluded: excluded)
    }

    /// Points `challenger` at the best eligible version that is not serving, or removes it when there is none;
    /// audited like any move, with `actor` (whoever caused the change). Only ever called inside a write
    /// transaction, right after the move that may have changed the answer. Returns the move, if any.
    @discardableResult
    func refreshChallenger(
        _ db: Database, model: String, rule: ChallengerRule, actor: AuditActor, at time: Double
    ) throws -> AliasEventRecord? {
        let best = try bestChallenger(db, model: model, rule: rule)
        let current = try aliasVersion(db, model: model, alias: AliasName.challenger)
        guard best?.version != current else { return nil }
        return try moveAlias(
            db, model: model, alias: AliasName.challenger, from: current, to: best?.version,
            kind: best == nil ? .remove : .promote, actor: actor, reason: ChallengerRule.reason(for: best), at: time)
    }

    /// Brings `challenger` up to date by `rule` (e.g. after the gate was changed); nil when it already was.
    @discardableResult
    package func refreshChallenger(model: String, rule: ChallengerRule, actor: AuditActor) throws -> AliasEventRecord? {
        try write { db in try refreshChallenger(db, model: model, rule: rule, actor: actor, at: clock()) }
    }
}
