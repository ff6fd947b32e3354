import ArgumentParser
import ChurnCore
import ChurnServe
import ChurnStore

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "The audit log of alias moves, newest first: time, alias, from → to, kind, actor, reason.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Only this alias (default: every alias).")
    var alias: String?

    @Option(help: "At most this many moves.")
    var limit: Int?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        if let alias, !AliasName.isValid(alias) {
            throw ValidationError(RegistryError.invalidAlias(alias).description)
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more") }
    }

    func run() throws {
        let lifecycle = try common.lifecycle(config: try common.load())
        let events = try lifecycle.history(alias: alias, limit: limit)
        if json {
            try printJSON(try RegistryViews.history(lifecycle, alias: alias, limit: limit))
            return
        }
        guard !events.isEmpty else {
            print("no alias moves yet for \(lifecycle.modelName): train a model (churnd train) to get one")
            return
        }
        var rows = [["TIME", "ALIAS", "MOVE", "KIND", "ACTOR", "REASON"]]
        for event in events {
            let from = event.fromVersion.map { "v\($0)" } ?? "–"
            rows.append([
                timestamp(event.at), event.alias, "\(from) → \(event.toVersion.map { "v\($0)" } ?? "–")",
                event.kind.rawValue,
                event.actor.name, event.reason,
            ])
        }
        print(table(rows))
    }
}
