import ChurnCore

/// Every folder the daemon uses, resolved against the root directory.
public struct DaemonPaths: Equatable, Sendable {
    public var root: String
    public var inbox: String
    public var outbox: String
    public var data: String
    public var logs: String
    /// Label files for live F1: the schema's id and label columns.
    public var labels: String
    public var state: String

    public init(root: String, config: Config) {
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
    public var processing: String { "\(state)/processing" }
    /// Scored inputs: `<claim>.<name>`.
    public var archive: String { "\(state)/archive" }
    /// Refused inputs and training files, each with a `.reason.txt`.
    public var quarantine: String { "\(state)/quarantine" }

    /// Label files already joined: `<claim>.<name>`.
    public var labelArchive: String { "\(state)/labels" }

    /// Drift reports: `drift-<time>.json`, and `.html` for alerts.
    public var reports: String { "\(state)/reports" }
    /// Held (`flock`) by the one daemon running on this root; says its pid and start time.
    public var lock: String { "\(state)/churnd.lock" }

    /// Folders created at start.
    public var all: [String] {
        [inbox, outbox, data, logs, labels, state, processing, archive, quarantine, labelArchive]
    }
}
