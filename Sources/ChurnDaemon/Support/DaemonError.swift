import ChurnCore

/// Why the daemon cannot start or go on; each message says what to do.
package enum DaemonError: Error, CustomStringConvertible, Equatable {
    /// A watched folder is on a file system whose changes inotify cannot see.
    case unwatchableFileSystem(path: String, kind: String)
    /// Claiming renames files between these folders, so they must share a file system.
    case differentFileSystems(String, String)
    case watcher(String)
    case registry(String)
    /// `churnd run` found another daemon holding the root's lock (its pid and start time, when it wrote them).
    case anotherInstance(pid: Int32?, root: String, since: String?)
    /// Another live scorer holds this node name on the shared inbox.
    case nodeInUse(node: String, inbox: String, pid: Int32?, root: String, since: String?)

    package var description: String {
        switch self {
        case .unwatchableFileSystem(let path, let kind):
            return "\(path) is on \(kind), where inotify does not see changes made by other machines; "
                + "move it to a local file system or set `polling = true` in the [daemon] section of churnd.toml"
        case .differentFileSystems(let a, let b):
            return "\(a) and \(b) are on different file systems: churnd claims files by renaming them, "
                + "so put both folders on the same file system"
        case .watcher(let message):
            return "watching failed: \(message)"
        case .registry(let message):
            return "model registry: \(message)"
        case .anotherInstance(let pid, let root, let since):
            return "another churnd\(pid.map { " (pid \($0))" } ?? "") is running on \(root)"
                + (since.map { " since \($0)" } ?? "") + "; stop it first (one daemon per root), or use another root"
        case .nodeInUse(let node, let inbox, let pid, let root, let since):
            return "another scorer\(pid.map { " (pid \($0))" } ?? "") on \(root)"
                + (since.map { " since \($0)" } ?? "")
                + " uses the node name \"\(node)\" on the shared inbox \(inbox); "
                + "give each scorer its own [cluster] node"
        }
    }
}
