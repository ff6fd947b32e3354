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
///
/// A scorer (`[cluster] role = "scorer"`) only follows: whenever its alias differs from MLflow's it moves it,
/// fetching a version it does not have (`model.json` of the version's run, checked against the version's
/// `churnd.artifact_sha256` tag before anything is stored); it never sets an alias in MLflow.
extension MLflowTracker {
    /// Aliases whose moves in MLflow churnd follows.
    static let followed = [AliasName.production, "champion", AliasName.challenger, "staging"]
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
            let local = try registry.aliasVersion(model: modelName, alias: alias)
            if let local, try registry.mlflowVersion(model: modelName, version: local) == target {
                try registry.setMLflowAliasAgreed(alias, target)
                continue
            }
            // Unchanged in MLflow since the last agreement: churnd moved (published below). A scorer never
            // publishes, so it follows MLflow whenever the two differ.
            guard target != agreed || isScorer else { continue }
            // A refusal stands until the alias moves again (a scorer would otherwise fetch it twice a second).
            if isScorer, try registry.mlflowAliasAgreed("refused:\(alias)") == target { continue }
            // Moved in MLflow: follow it when the version is churnd's and its artifact is the one churnd has.
            let version = try client.getModelVersion(name: name, version: target)
            var refusal: String?
            var number: Int?
            if let tag = version.tags["churnd.model_version"], let n = Int(tag) {
                number = n
                if isScorer, (try? registry.version(model: modelName, n)) == nil {
                    refusal = try fetch(version, number: n)
                }
                if refusal == nil {
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
            if alias == AliasName.production, let local, number < local {
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
                    text: "followed MLflow: \(alias) \(local.map { "v\($0)" } ?? "–") → v\(number) "
                        + "(\(name) version \(target))"))
        }
        guard !isScorer else { return notes }
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
                    kind: .published, alias: alias,
                    text: "set MLflow's \(name)@\(alias) to version \(target) (churnd v\(local))"))
        }
        return notes
    }

    /// A scorer's fetch of churnd's version `number`, registered in MLflow as `version`: downloads the
    /// `model.json` of the version's run and stores it only when its SHA-256 is the version's
    /// `churnd.artifact_sha256` tag. Returns why it was refused, or nil once the version is in the registry.
    /// MLflow unreachable or failing throws (the next pass tries again).
    func fetch(_ version: MLflowClient.ModelVersion, number: Int) throws -> String? {
        guard let expected = version.tags["churnd.artifact_sha256"] else {
            return "it has no churnd.artifact_sha256 tag to check its artifact against"
        }
        let bytes: Data
        do {
            let run = try client.getRun(id: version.runID)
            bytes = try client.downloadArtifact(artifactURI: run.artifactURI, path: "model.json")
        } catch let error as MLflowError where !error.isTransient {
            return "its model.json cannot be fetched from run \(version.runID): \(error)"
        }
        let found = sha256Hex(bytes)
        guard found == expected else {
            return "the model.json of run \(version.runID) has SHA-256 \(found), not \(expected) as its "
                + "churnd.artifact_sha256 tag says"
        }
        do {
            try registry.importVersion(
                bytes: Array(bytes), model: modelName, number: number, mlflowVersion: version.version,
                source: "MLflow run \(version.runID) model.json")
        } catch let error as ChurnError {
            return "\(error)"
        } catch let error as RegistryError {
            return "\(error)"
        }
        return nil
    }
}
