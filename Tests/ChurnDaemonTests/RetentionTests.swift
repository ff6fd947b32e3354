import ChurnCore
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

@testable import ChurnDaemon

#if canImport(Glibc)
    import Glibc
#endif

/// `[retention]` on a real state folder, with a fixed "now" instead of the clock.
struct RetentionTests {
    static let day = 86_400.0
    static let now = 1_800_000_000.0

    /// A claim id made `days` days before `now`.
    static func claim(daysAgo days: Double) -> ClaimID {
        ClaimID(hex: UInt64((now - days * day) * 1e9))
    }

    private func setUp() throws -> (TemporaryDirectory, DaemonPaths) {
        let dir = try TemporaryDirectory("churnd-retention")
        let paths = DaemonPaths(root: dir.path, config: .init())
        for folder in paths.all + [paths.reports] { try FileSystem.makeDirectory(folder) }
        return (dir, paths)
    }

    @Test(
        "an archived input goes when its claim is older than archive_days",
        arguments: [
            (31.0, 30, false), (29.0, 30, true), (30.5, 30, false), (400.0, 0, true), (2.0, 1, false),
        ])
    func archivedInputAge(daysAgo: Double, archiveDays: Int, kept: Bool) throws {
        let (dir, paths) = try setUp()
        let name = Self.claim(daysAgo: daysAgo).fileName(for: "customers.csv")
        try dir.write("state/archive/\(name)", "customer_id\n1\n")
        let pruned = Retention(archiveDays: archiveDays, reportsKeep: 0).prune(paths, now: Self.now)
        #expect(dir.exists("state/archive/\(name)") == kept)
        #expect(pruned == .init(archive: kept ? 0 : 1, reports: 0, failures: []))
    }

    @Test func theAgeIsTheClaimTimeNotTheFileModificationTime() throws {
        // Given an input archived a day ago that kept the old modification time it was dropped with (cp -p),
        // and one archived long ago whose file was touched today,
        let (dir, paths) = try setUp()
        let recent = Self.claim(daysAgo: 1).fileName(for: "old-export.csv")
        let old = Self.claim(daysAgo: 90).fileName(for: "touched.csv")
        let recentPath = try dir.write("state/archive/\(recent)", "x\n")
        try dir.write("state/archive/\(old)", "x\n")
        var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, recentPath, &times, 0) == 0)
        // When pruning with the default 30 days,
        _ = Retention(archiveDays: 30, reportsKeep: 1000).prune(paths, now: Self.now)
        // Then only the input claimed 90 days ago is gone.
        #expect(try dir.list("state/archive") == [recent])
    }

    @Test func keepsWhatAnOpenClaimOrAnotherOwnerNeeds() throws {
        let (dir, paths) = try setUp()
        let open = Self.claim(daysAgo: 60)  // ids are unique: every other file below has its own
        // The same claim still in processing/ (a recovery in progress): its archived copy stays.
        try dir.write("state/processing/\(open.fileName(for: "a.csv"))", "x\n")
        try dir.write("state/archive/\(open.fileName(for: "a.csv"))", "x\n")
        // Names churnd did not give, folders and symlinks stay whatever their age.
        try dir.write("state/archive/notes.txt", "mine\n")
        let folder = Self.claim(daysAgo: 62).fileName(for: "folder")
        try FileSystem.makeDirectory("\(paths.archive)/\(folder)")
        let target = try dir.write("elsewhere.csv", "keep me\n")
        let link = Self.claim(daysAgo: 61).fileName(for: "link.csv")
        #expect(symlink(target, "\(paths.archive)/\(link)") == 0)
        // Everything else in state/ is never looked at.
        let old = Self.claim(daysAgo: 63).fileName(for: "q.csv")
        try dir.write("state/quarantine/\(old)", "x\n")
        try dir.write("state/labels/\(old)", "x\n")
        let expired = Self.claim(daysAgo: 64).fileName(for: "b.csv")
        try dir.write("state/archive/\(expired)", "x\n")

        let pruned = Retention(archiveDays: 30, reportsKeep: 1).prune(paths, now: Self.now)

        #expect(pruned.archive == 1 && pruned.failures.isEmpty)
        #expect(try dir.list("state/archive") == [open.fileName(for: "a.csv"), folder, link, "notes.txt"].sorted())
        #expect(
            dir.exists("elsewhere.csv") && dir.exists("state/quarantine/\(old)") && dir.exists("state/labels/\(old)"))
        #expect(try dir.list("state/processing") == [open.fileName(for: "a.csv")])
    }

    @Test func keepsTheNewestReportsWithTheirPages() throws {
        let (dir, paths) = try setUp()
        let reports = [
            "drift-20261201T000000.000Z.json", "drift-20261201T000000.000Z.html", "drift-20261202T000000.000Z.json",
            "drift-20261203T000000.000Z.json", "drift-20261203T000000.000Z-1.json",
            "drift-20261203T000000.000Z-1.html", "drift-20261204T000000.000Z.json",
        ]
        for name in reports { try dir.write("state/reports/\(name)", "{}") }
        // A report being written and a file someone else put there are not churnd's to remove.
        try dir.write("state/reports/.drift-20261130T000000.000Z.json.tmp", "{")
        try dir.write("state/reports/summary.md", "mine")

        let pruned = Retention(archiveDays: 30, reportsKeep: 3).prune(paths, now: Self.now)

        #expect(pruned.reports == 3 && pruned.archive == 0)
        #expect(
            try dir.list("state/reports") == [
                ".drift-20261130T000000.000Z.json.tmp", "drift-20261203T000000.000Z-1.html",
                "drift-20261203T000000.000Z-1.json", "drift-20261203T000000.000Z.json",
                "drift-20261204T000000.000Z.json", "summary.md",
            ])
        // reports_keep = 0 keeps everything.
        #expect(Retention(archiveDays: 30, reportsKeep: 0).prune(paths, now: Self.now).reports == 0)
        #expect(try dir.list("state/reports").count == 6)
    }

    @Test func missingReportsFolderIsNotAFailure() throws {
        let dir = try TemporaryDirectory("churnd-retention")
        let paths = DaemonPaths(root: dir.path, config: .init())
        for folder in paths.all { try FileSystem.makeDirectory(folder) }
        #expect(Retention(archiveDays: 30, reportsKeep: 10).prune(paths, now: Self.now) == .init())
    }
}
