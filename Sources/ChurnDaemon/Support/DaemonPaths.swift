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

    package init(root: String, config: Config) {
        func resolve(_ path: String) -> String { Config.Paths.resolve(path, root: root) }
        self.root = root
        inbox = resolve(config.paths.inbox)
        outbox = resolve(config.paths.outbox)
        data = resolve(config.paths.watch) + "/data"
        logs = resolve(config.paths.watch) + "/logs"
        labels = resolve(config.paths.watch) + "/labels"
        state = resolve(config.paths.state)
    }

    /// Claimed inputs being scored: `<claim>.<name>`.
    package var processing: String { "\(state)/processing" }
    /// Scored inputs: `<claim>.<name>`.
    package var archive: String { "\(state)/archive" }
    /// Refused inputs and training files, each with a `.reason.txt`.
    package var quarantine: String { "\(state)/quarantine" }

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
        [inbox, outbox, data, logs, labels, state, processing, archive, quarantine, labelArchive]
    }
}
