import ChurnCore
import ChurnStore
import Foundation

/// `[registry] backend = "mlflow"`: MLflow's aliases decide which version serves.
///
/// Each pass compares, for every alias churnd follows, three things: where MLflow points now, where churnd
/// points now, and where both pointed when they last agreed (kept in the registry). MLflow moved since the last
/// agreement → churnd follows (audited with actor `mlflow`), after checking that the version is one of
/// churnd's and that its artifact matches; otherwise churnd moved → MLflow's alias is set. When both moved
/// (MLflow was down while churnd promoted, and someone moved the alias in MLflow meanwhile), MLflow wins: it is
/// the source of truth. Nothing is queued separately: the registry's aliases are the durable state, and the
/// first pass after an outage brings both sides together.
extension MLflowTracker {
    /// Aliases whose moves in MLflow churnd follows.
    static let followed = [AliasName.production]
    /// Aliases churnd sets in MLflow (the challenger is churnd's own choice, see `ChallengerRule`).
    static let published = [AliasName.production, AliasName.challenger]

    /// What a pass did to aliases, for the log.
    package struct AliasNote: Equatable, Sendable {
        package enum Kind: Sendable { case followed, published, refused }
        package var kind: Kind
        package var alias: String
        package var text: String
    }

    /// Brings churnd's and MLflow's aliases together; returns what moved or was refused.
    func syncAliases() throws -> [AliasNote] {
        var notes: [AliasNote] = []
        let name = settings.registeredModel
        var remote = try client.aliases(name: name)
        let rule = ChallengerRule(gateF1: gateF1)
        for alias in Self.followed {
            guard let target = remote[alias] else { continue }
            let agreed = try registry.mlflowAliasAgreed(alias)
            guard target != agreed else { continue }
            let local = try registry.aliasVersion(model: modelName, alias: alias)
            if let local, try registry.mlflowVersion(model: modelName, version: local) == target {
                try registry.setMLflowAliasAgreed(alias, target)
                continue
            }
            // Moved in MLflow: follow it when the version is churnd's and its artifact is the one churnd has.
            let version = try client.getModelVersion(name: name, version: target)
            let refusal: String?
            var number: Int?
            if let tag = version.tags["churnd.model_version"], let n = Int(tag) {
                number = n
                if let record = try? registry.version(model: modelName, n) {
                    let sha = version.tags["churnd.artifact_sha256"]
                    refusal =
                        sha == record.artifactSha256
                        ? nil
                        : "its churnd.artifact_sha256 \(sha ?? "(none)") is not the SHA-256 of churnd's v\(n) "
                            + "(\(record.artifactSha256))"
                } else {
                    refusal = "churnd has no version \(n) in this registry"
                }
            } else {
                refusal = "it was not registered by churnd (no churnd.model_version tag)"
            }
            guard let number, refusal == nil else {
                let key = "refused:\(alias)"
                if try registry.mlflowAliasAgreed(key) != target {
                    try registry.setMLflowAliasAgreed(key, target)
                    notes.append(
                        AliasNote(
                            kind: .refused, alias: alias,
                            text: "\(name)@\(alias) was set in MLflow to version \(target), which churnd does not "
                                + "serve: \(refusal ?? ""); keeping \(local.map { "v\($0)" } ?? "no version")"))
                }
                continue
            }
            let reason = "set in MLflow: \(name)@\(alias) → version \(target) (churnd v\(number))"
            let actor = AuditActor("mlflow")
            if let local, number < local {
                _ = try registry.rollback(
                    model: modelName, to: number, alias: alias, actor: actor, reason: reason, challenger: rule)
            } else {
                _ = try registry.promote(
                    model: modelName, version: number, alias: alias, actor: actor, reason: reason, challenger: rule)
            }
            try registry.setMLflowAliasAgreed(alias, target)
            notes.append(
                AliasNote(
                    kind: .followed, alias: alias,
                    text: "followed MLflow: \(alias) v\(local.map(String.init) ?? "none") → v\(number) "
                        + "(\(name) version \(target))"))
        }
        for alias in Self.published {
            guard let local = try registry.aliasVersion(model: modelName, alias: alias),
                let target = try registry.mlflowVersion(model: modelName, version: local)
            else { continue }
            if remote[alias] == target {
                try registry.setMLflowAliasAgreed(alias, target)
                continue
            }
            let agreed = try registry.mlflowAliasAgreed(alias)
            // MLflow moved too, to a version churnd refused: MLflow stays as it is (churnd keeps serving).
            if Self.followed.contains(alias), remote[alias] != nil, remote[alias] != agreed { continue }
            try client.setAlias(name: name, alias: alias, version: target)
            remote[alias] = target
            try registry.setMLflowAliasAgreed(alias, target)
            notes.append(
                AliasNote(
                    kind: .published, alias: alias, text: "set MLflow's \(name)@\(alias) to version \(target) (churnd v\(local))"))
        }
        return notes
    }
}
