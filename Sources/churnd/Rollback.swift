import ArgumentParser
import ChurnCore
import ChurnServe
import ChurnStore

struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Move production back: to VERSION, or to the version that served before the current one.",
        discussion: """
            Without VERSION, walks back through the alias history; a version that was rolled back from is skipped \
            until it is promoted again, so repeated rollbacks go further back instead of toggling.
            """)

    @OptionGroup var common: CommonOptions

    @Argument(help: "Version to roll back to (default: the one that served before).")
    var version: Int?

    @OptionGroup var moving: AliasToMove

    @Option(help: "Why, for the audit log (default: \"rolled back by hand from vN\").")
    var reason: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let lifecycle = try common.lifecycle(config: try common.load())
        let change = try lifecycle.rollback(to: version, alias: moving.alias, actor: commandLineActor, reason: reason)
        if json { try printJSON(AliasChangeJSON(change)) } else { print(describe(change, verb: "rolled back")) }
    }
}
