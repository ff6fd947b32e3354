import ChurnCore
import ChurnStore

#if canImport(Glibc)
    import Glibc
#endif

/// Refused inputs, from the inbox, `watch/data/` and `watch/labels/`, kept in `state/quarantine/` as
/// `<claim>.<name>`, each next to `<claim>.<name>.reason.txt`: the file as the user dropped it, why it was
/// refused, where it is now and what to do. The reason is written before the file moves, so a quarantined
/// file never lacks one, even after a crash.
struct Quarantine: Sendable {
    let folder: String

    init(paths: DaemonPaths) {
        folder = paths.quarantine
    }

    /// Where a claimed entry ends up.
    func destination(of claimed: String) -> String { "\(folder)/\(claimed)" }

    /// The sentence saying where the file went and what to do.
    func movedNote(_ claimed: String, advice: String) -> String {
        "It was moved to \(destination(of: claimed)). \(advice)"
    }

    /// Writes the reason file of a claimed entry (before it moves in).
    func writeReason(_ text: String, for claimed: String) throws {
        try FileSystem.writeAtomically(
            "\(destination(of: claimed)).reason.txt", bytes: Array((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Copies a claim's error report (a staged `error.txt` output) beside it as its reason: inputs refused while
    /// scoring.
    func copyReport(_ reportPath: String, for claimed: String) throws {
        try writeReason(String(decoding: try FileSystem.readAll(reportPath), as: UTF8.self), for: claimed)
    }

    /// The staged error report among a claim's staged outputs, if any.
    static func report(among staged: [String]) -> String? {
        staged.first { ClaimID.parse(stagedName: FileSystem.split($0).name)?.kind == "error.txt" }
    }

    /// Writes the reason, then moves `source` in as `claimed` and syncs the folder.
    func move(_ source: String, as claimed: String, reason: String) throws {
        try writeReason(reason, for: claimed)
        guard rename(source, destination(of: claimed)) == 0 else {
            throw ChurnError.io(path: source, operation: "rename", errno: errno)
        }
        try FileSystem.fsyncDirectory(folder)
    }
}
