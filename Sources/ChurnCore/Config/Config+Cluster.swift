import TOMLKit

extension Config {
    /// What this machine does when several share one MLflow registry (`[cluster]`).
    package struct Cluster: Equatable, Sendable {
        package enum Role: String, Sendable, CaseIterable {
            /// One machine does everything: trains, promotes, monitors drift, scores.
            case all
            /// Watches `watch/data/`, trains, promotes, monitors drift; scores nothing. Run exactly one.
            case trainer
            /// Follows MLflow's aliases, fetches the versions they point at, scores `inbox/` and serves HTTP;
            /// never trains. Needs `[registry] backend = "mlflow"`.
            case scorer
        }

        package var role = Role.all
        /// This scorer's name among those sharing an inbox; "" for `<host>-<8 hex digits of the root path>`.
        /// It must stay the same across restarts: a restarted scorer finishes the claims made under its name.
        package var node = ""
        /// Several scorers share `[paths] inbox`: claims live in the inbox's own file system, under
        /// `<inbox>/.churnd/<node>/`, so that a rename decides which scorer gets each file.
        package var sharedInbox = false
        package init() {}

        package var trains: Bool { role != .scorer }
        package var scores: Bool { role != .trainer }

        /// A node name is one safe path component: letters, digits, `-`, `_`, `.`, not starting with `.`.
        package static func isValidNode(_ name: String) -> Bool {
            !name.isEmpty && name.count <= 64 && !name.hasPrefix(".")
                && name.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                        || $0 == "-" || $0 == "_" || $0 == "."
                }
        }
    }
}

extension TOMLConfigReader {
    func readCluster(_ section: TOMLTable, into cluster: inout Config.Cluster) throws {
        try checkKeys(section, section: "cluster", allowed: ["role", "node", "shared_inbox"])
        var text = cluster.role.rawValue
        try read(section, "cluster", "role", into: &text)
        guard let role = Config.Cluster.Role(rawValue: text) else {
            throw error("cluster", "role", "use \"all\", \"trainer\" or \"scorer\", not \"\(text)\"")
        }
        cluster.role = role
        try read(section, "cluster", "node", into: &cluster.node)
        if !cluster.node.isEmpty, !Config.Cluster.isValidNode(cluster.node) {
            throw error(
                "cluster", "node",
                "\"\(cluster.node)\" is not a node name: use up to 64 letters, digits, '-', '_' or '.', not starting "
                    + "with '.'")
        }
        try read(section, "cluster", "shared_inbox", into: &cluster.sharedInbox)
    }
}
