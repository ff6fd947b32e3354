import ArgumentParser
import ChurnCore
import ChurnServe
import ChurnStore

struct Promote: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Point an alias (default: production) at a model version; audited.")

    @OptionGroup var common: CommonOptions

    @Argument(help: "Version to promote (see churnd models).")
    var version: Int

    @OptionGroup var moving: AliasToMove

    @Option(help: "Why, for the audit log (default: \"promoted by hand\").")
    var reason: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let lifecycle = try common.lifecycle(config: try common.load())
        let change = try lifecycle.promote(
            version: version, alias: moving.alias, actor: commandLineActor, reason: reason)
        if json { try printJSON(AliasChangeJSON(change)) } else { print(describe(change, verb: "moved")) }
    }
}
