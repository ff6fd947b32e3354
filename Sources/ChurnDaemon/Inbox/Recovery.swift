import ChurnCore
import ChurnStore

#if canImport(Glibc)
    import Glibc
#endif

/// Finishes what a crash interrupted (see `InboxJob`): claims whose outputs were published (a staged output
/// has a public link, or the input already left `processing/`) are published in full and archived; staged
/// outputs of unpublished claims are removed and their inputs, still in `processing/`, returned to be scored
/// again from the start. A quarantine reason file whose writing was interrupted (its hidden temporary name,
/// `.<claim>.<name>.reason.txt.<pid>.<n>.<attempt>.tmp`) is removed: it is written again with its claim.
struct Recovery {
    let paths: DaemonPaths
    let publisher: Publisher

    struct Report: Equatable, Sendable {
        /// Names in `processing/` to score again.
        var unfinished: [String] = []
        /// Claims whose outputs were published now.
        var published = 0
        /// Staged files of unfinished claims that were removed.
        var discarded = 0
    }

    func run() throws -> Report {
        var report = Report()
        for name in try FileSystem.list(paths.quarantine) where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            unlink("\(paths.quarantine)/\(name)")
        }
        let claimed = try FileSystem.list(paths.processing).filter { ClaimID.parse(fileName: $0) != nil }
        var open: [ClaimID: String] = [:]
        for name in claimed {
            if let (claim, _) = ClaimID.parse(fileName: name) { open[claim] = name }
        }
        var staged: [ClaimID: (stem: String, files: [(temporaryPath: String, kind: String)])] = [:]
        for name in try FileSystem.list(paths.outbox) where name.hasPrefix(".") {
            guard let (claim, kind, stem) = ClaimID.parse(stagedName: name) else { continue }
            staged[claim, default: (stem, [])].files.append(("\(paths.outbox)/\(name)", kind))
        }
        var archived: Set<String> = []
        for (claim, group) in staged.sorted(by: { $0.key.text < $1.key.text }) {
            let order = ScoreJob.outputKinds
            let files = group.files.sorted { order.firstIndex(of: $0.kind) ?? 0 < order.firstIndex(of: $1.kind) ?? 0 }
            guard let input = open[claim] else {
                // The input left processing/ after its outputs were linked: only the clean-up was left.
                try publisher.publish(stem: group.stem, files: files)
                report.published += 1
                continue
            }
            guard files.contains(where: { Publisher.isLinked($0.temporaryPath) }) else {
                for file in files { unlink(file.temporaryPath) }
                report.discarded += files.count
                continue
            }
            // Published, not yet archived: link what is missing, then archive as the `Archiver` would.
            _ = try publisher.linkStaged(stem: group.stem, files: files)
            let destination = files.contains { $0.kind == "error.txt" } ? paths.quarantine : paths.archive
            let source = "\(paths.processing)/\(input)"
            if destination == paths.quarantine, let report = Quarantine.report(among: files.map(\.temporaryPath)) {
                try Quarantine(paths: paths).copyReport(report, for: input)
            }
            guard rename(source, "\(destination)/\(input)") == 0 else {
                throw ChurnError.io(path: source, operation: "rename", errno: errno)
            }
            try FileSystem.fsyncDirectory(destination)
            try FileSystem.fsyncDirectory(paths.outbox)
            for file in files { unlink(file.temporaryPath) }
            archived.insert(input)
            report.published += 1
        }
        report.unfinished = claimed.filter { !archived.contains($0) }
        return report
    }
}
