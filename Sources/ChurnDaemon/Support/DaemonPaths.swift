import ChurnCore
import ChurnStore

/// Every folder the daemon uses, resolved against the root directory.
package struct DaemonPaths: Equatable, Sendable {
    package var root: String
    package var inbox: String
    package var outbox: String
    package var data: String
    package var logs: String
    /// Label files for live F1: the schema's id and label columns.
    package var labels: String
    package var state: String
    /// Where the output protocol keeps its claims, archive and quarantine: `state/`, or, for a scorer sharing
    /// its inbox with others (`[cluster] shared_inbox`), `<inbox>/.churnd/<node>/` — inside the shared folder,
    /// because a claim is a rename and a rename is atomic only within one file system: the inbox's.
    package var claims: String
    /// This machine's name among scorers sharing an inbox (see `SharedInbox.defaultNode`).
    package var node: String

    package init(root: String, config: Config) {
        func resolve(_ path: String) -> String { Config.Paths.resolve(path, root: root) }
        self.root = root
        inbox = resolve(config.paths.inbox)
        outbox = resolve(config.paths.outbox)
        data = resolve(config.paths.watch) + "/data"
        logs = resolve(config.paths.watch) + "/logs"
        labels = resolve(config.paths.watch) + "/labels"
        state = resolve(config.paths.state)
        node = config.cluster.node.isEmpty ? SharedInbox.defaultNode(root: root) : config.cluster.node
        claims = config.cluster.sharedInbox ? SharedInbox.home(inbox: inbox, node: node) : state
    }

    /// Claimed inputs being scored: `<claim>.<name>`.
    package var processing: String { "\(claims)/processing" }
    /// Scored inputs: `<claim>.<name>`.
    package var archive: String { "\(claims)/archive" }
    /// Refused inputs and training files, each with a `.reason.txt`.
    package var quarantine: String { "\(claims)/quarantine" }

    /// Label files already joined: `<claim>.<name>`.
    package var labelArchive: String { "\(state)/labels" }

    /// Drift reports: `drift-<time>.json`, and `.html` for alerts.
    package var reports: String { "\(state)/reports" }
    /// Held (`flock`) by the one daemon running on this root; says its pid and start time.
    package var lock: String { "\(state)/churnd.lock" }

    /// The folders of the output protocol.
    package var outboxFolders: OutboxLedger.Folders {
        .init(inbox: inbox, outbox: outbox, processing: processing, archive: archive, quarantine: quarantine)
    }

    /// Folders created at start.
    package var all: [String] {
        [inbox, outbox, data, logs, labels, state, claims, processing, archive, quarantine, labelArchive]
    }
}
