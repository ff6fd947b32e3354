import ChurnCore

#if canImport(Glibc)
    import Glibc
#endif

extension OutboxLedger {
    /// What `recover()` did.
    package struct RecoveryReport: Equatable, Sendable {
        /// Names in `processing/` to score again.
        package var unfinished: [String] = []
        /// Committed claims whose outputs were published in full now.
        package var published = 0
        /// Staged files of uncommitted claims that were removed.
        package var discarded = 0

        package init(unfinished: [String] = [], published: Int = 0, discarded: Int = 0) {
            self.unfinished = unfinished
            self.published = published
            self.discarded = discarded
        }
    }

    /// Finishes what a crash interrupted, as the exactly-once argument at the top of `OutboxLedger` says:
    /// committed claims are published in full and archived, the staged outputs of the others are removed, and
    /// their inputs, still in `processing/`, are returned to be scored again from the start. Only for the one
    /// process that owns the folders (the daemon holding the root's lock), before it claims anything.
    package func recover() throws -> RecoveryReport {
        var report = RecoveryReport()
        // A reason file whose writing a crash interrupted left its hidden temporary name
        // (`.<claim>.<name>.reason.txt.<pid>.<n>.<attempt>.tmp`); its claim writes it again.
        for name in try FileSystem.list(folders.quarantine) where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            unlink("\(folders.quarantine)/\(name)")
        }
        let claimed = try FileSystem.list(folders.processing).filter { Claim(fileName: $0) != nil }
        var open: [ClaimID: String] = [:]
        for name in claimed {
            if let claim = Claim(fileName: name) { open[claim.id] = name }
        }
        var staged: [ClaimID: (stem: String, files: [StagedFile])] = [:]
        for name in try FileSystem.list(folders.outbox) where name.hasPrefix(".") {
            guard let parsed = StagedName(name) else { continue }
            staged[parsed.claim, default: (parsed.stem, [])].files.append(
                StagedFile(kind: parsed.kind, path: "\(folders.outbox)/\(name)"))
        }
        var left: Set<ClaimID>?
        var archiving: [ArchiveQueue.Entry] = []
        for (claim, group) in staged.sorted(by: { $0.key.text < $1.key.text }) {
            let outputs = StagedOutputs(stem: group.stem, files: group.files)
            guard let input = open[claim] else {
                // The input left processing/ after its outputs were linked: only the clean-up was left. Unless
                // it never reached the archive or the quarantine: then its claim was lost to a power cut and the
                // input is back in the inbox, to be scored from the start.
                left = try left ?? archivedClaims()
                if left?.contains(claim) == true {
                    try Self.publish(outputs, in: folders.outbox)
                    report.published += 1
                } else {
                    for file in outputs.files { unlink(file.path) }
                    report.discarded += outputs.files.count
                }
                continue
            }
            guard outputs.isCommitted else {
                for file in outputs.files { unlink(file.path) }
                report.discarded += outputs.files.count
                continue
            }
            // Committed, not yet archived: link what is missing, then archive as step 5 does.
            _ = try Self.link(outputs, in: folders.outbox)
            archiving.append(self.archiving(input, outputs: outputs))
        }
        if let failure = archiver.archive(archiving).first { throw failure.error }
        report.published += archiving.count
        let archived = Set(archiving.map(\.claimed))
        report.unfinished = claimed.filter { !archived.contains($0) }
        return report
    }

    /// The claims whose inputs are in the archive or the quarantine.
    private func archivedClaims() throws -> Set<ClaimID> {
        var claims: Set<ClaimID> = []
        for folder in [folders.archive, folders.quarantine] {
            for name in try FileSystem.list(folder) {
                if let (claim, _) = ClaimID.parse(fileName: name) { claims.insert(claim) }
            }
        }
        return claims
    }
}
