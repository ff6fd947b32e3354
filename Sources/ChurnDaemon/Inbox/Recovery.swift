import ChurnCore
import ChurnStore

#if canImport(Glibc)
    import Glibc
#endif

/// Finishes what a crash interrupted (see `InboxJob`): staged outputs of committed claims are published,
/// staged outputs of uncommitted claims are removed, and the claimed inputs still in `processing/` are
/// returned to be scored again from the start.
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
        let claimed = try FileSystem.list(paths.processing).filter { ClaimID.parse(fileName: $0) != nil }
        let open = Set(claimed.compactMap { ClaimID.parse(fileName: $0)?.0 })
        var committed: [ClaimID: (stem: String, files: [(String, String)])] = [:]
        for name in try FileSystem.list(paths.outbox) where name.hasPrefix(".") {
            guard let (claim, kind, stem) = ClaimID.parse(stagedName: name) else { continue }
            let path = "\(paths.outbox)/\(name)"
            if open.contains(claim) {
                unlink(path)
                report.discarded += 1
            } else {
                committed[claim, default: (stem, [])].files.append((path, kind))
            }
        }
        for (_, group) in committed.sorted(by: { $0.key.text < $1.key.text }) {
            let order = ScoreJob.outputKinds
            let files = group.files.sorted { order.firstIndex(of: $0.1) ?? 0 < order.firstIndex(of: $1.1) ?? 0 }
            try publisher.publish(stem: group.stem, files: files.map { (temporaryPath: $0.0, kind: $0.1) })
            report.published += 1
        }
        report.unfinished = claimed
        return report
    }
}
