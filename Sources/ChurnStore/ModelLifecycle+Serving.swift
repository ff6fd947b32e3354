import ChurnCore

extension ModelLifecycle {
    /// The configured rule for the `challenger` alias.
    package var challengerRule: ChallengerRule { ChallengerRule(gateF1: config.promotion.gateF1) }

    /// The version `alias` points to, or nil. One indexed SQLite read: cheap enough to poll every second.
    package func servingVersion(alias: String = AliasName.production) throws -> Int? {
        try registry.aliasVersion(model: modelName, alias: alias)
    }

    /// The artifact of `version`, checked against the SHA-256 recorded when it was registered.
    package func loadArtifact(version: Int) throws -> ModelArtifact {
        try registry.artifacts.load(try registry.version(model: modelName, version))
    }

    /// The version at `alias` and its verified artifact; a clear error when the alias is unknown or empty.
    package func loadServing(alias: String = AliasName.production) throws -> (version: Int, artifact: ModelArtifact) {
        try AliasName.check(alias)
        guard let version = try servingVersion(alias: alias) else {
            let versions = try registry.versions(model: modelName).map(\.version)
            if alias == AliasName.production {
                throw RegistryError.noVersionAtAlias(model: modelName, alias: alias, versions: versions)
            }
            let aliases = try registry.aliases(model: modelName).map { "\($0.name) (v\($0.version))" }
            throw RegistryError.unknownAlias(model: modelName, alias: alias, aliases: aliases)
        }
        return (version, try loadArtifact(version: version))
    }

    /// Points `alias` at `version`; audited with `actor` and `reason`.
    @discardableResult
    package func promote(
        version: Int, alias: String = AliasName.production, actor: AuditActor, reason: String? = nil
    ) throws -> Registry.AliasChange {
        try registry.promote(
            model: modelName, version: version, alias: alias, actor: actor, reason: reason, challenger: challengerRule)
    }

    /// Moves `alias` back to `version`, or without one to the version that served before.
    @discardableResult
    package func rollback(
        to version: Int? = nil, alias: String = AliasName.production, actor: AuditActor, reason: String? = nil,
        cause: AliasCause? = nil
    ) throws -> Registry.AliasChange {
        try registry.rollback(
            model: modelName, to: version, alias: alias, actor: actor, reason: reason, cause: cause,
            challenger: challengerRule)
    }

    /// Audited alias moves, newest first. An alias that never moved is an error listing those that did.
    package func history(alias: String? = nil, limit: Int? = nil) throws -> [AliasEventRecord] {
        if let alias { try AliasName.check(alias) }
        let events = try registry.history(model: modelName, alias: alias, limit: limit)
        if let alias, events.isEmpty {
            let known = Set(try registry.history(model: modelName).map(\.alias)).sorted()
            throw RegistryError.unknownAlias(model: modelName, alias: alias, aliases: known)
        }
        return events
    }

    /// What `churnd status` shows.
    package struct Status: Sendable {
        package var modelName: String
        package var serving: AliasRecord?
        /// The move that put the serving version in place.
        package var servingSince: AliasEventRecord?
        package var lastRun: TrainingRunRecord?
        package var versionCount: Int
        package var runCounts: [TrainingRunRecord.Outcome: Int]
    }

    package func status() throws -> Status {
        let aliases = try registry.aliases(model: modelName)
        let serving = aliases.first { $0.name == AliasName.production }
        return Status(
            modelName: modelName, serving: serving,
            servingSince: try registry.history(model: modelName, alias: AliasName.production, limit: 1).first,
            lastRun: try registry.runs(model: modelName, limit: 1).first,
            versionCount: try registry.versions(model: modelName).count,
            runCounts: try registry.runCounts(model: modelName))
    }
}
