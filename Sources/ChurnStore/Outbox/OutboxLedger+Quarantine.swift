import ChurnCore

#if canImport(Glibc)
    import Glibc
#endif

/// Refused inputs, from the inbox, `watch/data/` and `watch/labels/`, kept in the quarantine folder as
/// `<claim>.<name>`, each next to `<claim>.<name>.reason.txt`: the file as the user dropped it, why it was
/// refused, where it is now and what to do. The reason is written before the file moves, so a quarantined
/// file never lacks one, even after a crash.
struct Quarantine: Sendable {
    let folder: String

    /// Where a claimed entry ends up.
    func destination(of claimed: String) -> String { "\(folder)/\(claimed)" }

    /// Writes the reason file of a claimed entry (before it moves in).
    func writeReason(_ text: String, for claimed: String) throws {
        try FileSystem.writeAtomically(
            "\(destination(of: claimed)).reason.txt", bytes: Array((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Copies a claim's error report (its staged `error.txt`) beside it as its reason.
    func copyReport(_ reportPath: String, for claimed: String) throws {
        try writeReason(String(decoding: try FileSystem.readAll(reportPath), as: UTF8.self), for: claimed)
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

extension OutboxLedger {
    /// Where a file quarantined as `claimed` (`<claim>.<name>`) is.
    package func quarantinePath(of claimed: String) -> String {
        Quarantine(folder: folders.quarantine).destination(of: claimed)
    }

    /// Moves a refused file — a training file from `watch/data/`, a label file from `watch/labels/` — into the
    /// quarantine under a new claim, beside its reason: `problem`, a blank line, then where it went and `advice`.
    /// Returns where it went.
    @discardableResult
    package func quarantine(_ path: String, problem: String, advice: String) throws -> String {
        let claimed = ClaimID.next().fileName(for: FileSystem.split(path).name)
        let destination = quarantinePath(of: claimed)
        try Quarantine(folder: folders.quarantine).move(
            path, as: claimed, reason: "\(problem)\n\nIt was moved to \(destination). \(advice)")
        return destination
    }

    /// Moves a claimed inbox entry that must not be opened (`refusal(ofEntryAt:)` says why) into the
    /// quarantine unread. Returns where it went.
    @discardableResult
    package func quarantineUnread(_ claim: Claim, because reason: String) throws -> String {
        let destination = quarantinePath(of: claim.fileName)
        let text =
            "\(folders.inbox)/\(claim.original) \(reason); it was not read.\n"
            + "It was moved to \(destination). Drop a regular file into \(folders.inbox)/ instead."
        try Quarantine(folder: folders.quarantine).move(path(of: claim), as: claim.fileName, reason: text)
        return destination
    }
}
