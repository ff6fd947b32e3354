import ChurnCore
import GRDB

extension Registry {
    /// Every audited alias move of `model`, for attributing prediction-log lines that name no version number to
    /// the version serving when they were written.
    package func attribution(model: String) throws -> VersionAttribution {
        try read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT alias, at, to_version FROM alias_event WHERE model_name = ? ORDER BY id",
                arguments: [model])
            return VersionAttribution(
                model: model,
                moves: rows.map { VersionAttribution.Move(alias: $0["alias"], at: $0["at"], version: $0["to_version"]) }
            )
        }
    }
}
