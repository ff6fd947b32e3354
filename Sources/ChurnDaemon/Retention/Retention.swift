import ChurnCore
import ChurnStore

#if canImport(Glibc)
    import Glibc
#endif

/// What the daemon removes once it has finished with it (`[retention]`): scored inputs in `state/archive/`
/// claimed more than `archive_days` ago, and drift reports in `state/reports/` beyond the newest `reports_keep`.
///
/// It removes only regular files named as churnd names them — `<claim id>.<name>` in the archive,
/// `drift-<time>[-N].json|html` in the reports — and never a symlink, a folder, a file being written (names
/// starting with `.`), an archived input whose claim is still open in `processing/`, or anything else in
/// `state/` (the registry, models, quarantine, label archive and drift state are not looked at; the registry
/// refers to neither folder). An input's age is taken from its claim id, the time it was claimed, not from
/// the file's modification time, which a rename keeps: an input dropped with an old one (`cp -p`, `mv`)
/// must not go the moment it is archived.
struct Retention: Sendable {
    /// 0: keep every archived input.
    var archiveDays: Int
    /// 0: keep every report.
    var reportsKeep: Int

    init(archiveDays: Int, reportsKeep: Int) {
        self.archiveDays = archiveDays
        self.reportsKeep = reportsKeep
    }

    init(_ config: Config.Retention) {
        self.init(archiveDays: config.archiveDays, reportsKeep: config.reportsKeep)
    }

    /// The archived names to remove at `now` (seconds since 1970): claimed more than `archiveDays` ago, and
    /// whose claim is not open.
    func expiredArchive(_ names: [String], openClaims: Set<ClaimID>, now: Double) -> [String] {
        guard archiveDays > 0 else { return [] }
        let cutoff = now - Double(archiveDays) * 86_400
        return names.filter { name in
            guard let (claim, _) = ClaimID.parse(fileName: name) else { return false }
            return claim.seconds < cutoff && !openClaims.contains(claim)
        }
    }

    /// The report names to remove: every file of the reports older than the newest `reportsKeep`. A report is
    /// a `drift-<time>` base with its `.json` record and its `.html` page; names sort by time.
    func surplusReports(_ names: [String]) -> [String] {
        guard reportsKeep > 0 else { return [] }
        var files: [String: [String]] = [:]
        for name in names where name.hasPrefix("drift-") {
            for suffix in [".json", ".html"] where name.hasSuffix(suffix) {
                files[String(name.dropLast(suffix.count)), default: []].append(name)
            }
        }
        let newestFirst = files.keys.sorted(by: >)
        return newestFirst.dropFirst(reportsKeep).flatMap { files[$0] ?? [] }.sorted()
    }

    /// Files removed from each folder.
    struct Pruned: Equatable, Sendable {
        var archive = 0
        var reports = 0
        /// "path: what went wrong", for the log; the file stays and is tried again next time.
        var failures: [String] = []
    }

    /// Removes what the rules above select.
    func prune(_ paths: DaemonPaths, now: Double) -> Pruned {
        var pruned = Pruned()
        if archiveDays > 0 {
            do {
                let open = Set(try FileSystem.list(paths.processing).compactMap { ClaimID.parse(fileName: $0)?.0 })
                let expired = expiredArchive(try FileSystem.list(paths.archive), openClaims: open, now: now)
                pruned.archive = remove(expired, in: paths.archive, failures: &pruned.failures)
            } catch {
                pruned.failures.append("\(error)")
            }
        }
        if reportsKeep > 0, FileSystem.exists(paths.reports) {
            do {
                let surplus = surplusReports(try FileSystem.list(paths.reports))
                pruned.reports = remove(surplus, in: paths.reports, failures: &pruned.failures)
            } catch {
                pruned.failures.append("\(error)")
            }
        }
        return pruned
    }

    /// Unlinks each name that is a regular file (never following a symlink); returns how many went.
    private func remove(_ names: [String], in directory: String, failures: inout [String]) -> Int {
        var removed = 0
        for name in names {
            let path = "\(directory)/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            if unlink(path) == 0 {
                removed += 1
            } else if errno != ENOENT {
                failures.append("\(ChurnError.io(path: path, operation: "unlink", errno: errno))")
            }
        }
        return removed
    }
}
