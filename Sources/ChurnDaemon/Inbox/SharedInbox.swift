import ChurnCore
import ChurnStore

#if canImport(Glibc)
    import Glibc
#endif

/// Several scorers, each with its own root, scoring one inbox folder (`[cluster] shared_inbox = true`).
///
/// **Invariant: every file dropped into the shared inbox is scored by exactly one scorer, and a claim is only
/// ever finished by the scorer that made it.** It rests on two facts:
/// - A claim is `rename(inbox/<name>, inbox/.churnd/<node>/processing/<claim>.<name>)`. Both names are in the
///   inbox's own file system (local, or one NFS export), where rename is atomic: of several scorers renaming
///   the same name, one succeeds and the others get `ENOENT`, which the ledger reads as "claimed by someone
///   else". The claims could not live in each scorer's `state/`: that is another file system, where the move
///   would be a copy that two scorers could both make.
/// - Each scorer keeps its claims, its archive and its quarantine under its own folder `.churnd/<node>/`,
///   and `recover()` reads only that folder. `<node>` is stable across restarts (`[cluster] node`, or the
///   host name and a hash of the root), so a scorer restarted after `kill -9` finds and finishes its own
///   claims; another scorer never looks there. Two live processes cannot use one node name: each holds an
///   exclusive `flock` on `.churnd/<node>/owner` for its lifetime, released by the kernel however it ends.
///
/// The owner file says who holds the name: host, pid, boot id, root and start time, so an operator can tell a
/// dead scorer's claims (move them back into the inbox, without the `<claim>.` prefix, to have them scored by
/// another) from a live one's. Names starting with `.` are never scored, so `.churnd/` is invisible to the
/// scanners.
package final class SharedInbox: Sendable {
    private let lock: RootLock
    package let home: String

    /// `<inbox>/.churnd/<node>`.
    package static func home(inbox: String, node: String) -> String { "\(inbox)/.churnd/\(node)" }

    /// `<host>-<first 8 hex digits of the SHA-256 of the root's absolute path>`: the same after a restart,
    /// different for two roots on one machine.
    package static func defaultNode(root: String) -> String {
        let host = String(
            hostName.unicodeScalars.prefix(40).map { Config.Cluster.isValidNode(String($0)) ? Character($0) : "-" })
        return "\(host.isEmpty ? "host" : host)-\(sha256Hex(Array(RootLock.absolute(root).utf8)).prefix(8))"
    }

    /// Takes the node's name for this process, or throws `DaemonError.nodeInUse` naming the holder.
    package init(paths: DaemonPaths, now: Double) throws {
        home = paths.claims
        try FileSystem.makeDirectory("\(paths.inbox)/.churnd")
        try FileSystem.makeDirectory(home)
        let ownerPath = "\(home)/owner"
        do {
            lock = try RootLock(path: ownerPath, root: paths.root, now: now)
        } catch DaemonError.anotherInstance(let pid, let root, let since) {
            throw DaemonError.nodeInUse(node: paths.node, inbox: paths.inbox, pid: pid, root: root, since: since)
        }
        // The lock file says pid, start time and root; add what identifies the machine and its boot.
        let text = "host \(Self.hostName)\nboot \(Self.bootID)\nnode \(paths.node)\n"
        let fd = open(ownerPath, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
        if fd >= 0 {
            _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
    }

    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The kernel's id of this boot: a pid is only meaningful with it.
    static var bootID: String {
        let bytes = (try? FileSystem.readAll("/proc/sys/kernel/random/boot_id")) ?? []
        let text = String(decoding: bytes.filter { $0 > 32 }, as: UTF8.self)
        return text.isEmpty ? "unknown" : text
    }
}
