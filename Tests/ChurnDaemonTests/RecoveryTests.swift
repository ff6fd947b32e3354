import ChurnCore
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

@testable import ChurnDaemon

/// Claim/recovery logic on a real folder, without the daemon.
struct RecoveryTests {
    private func setUp() throws -> (TemporaryDirectory, DaemonPaths) {
        let dir = try TemporaryDirectory("churnd-recovery")
        let paths = DaemonPaths(root: dir.path, config: .init())
        for folder in paths.all { try FileSystem.makeDirectory(folder) }
        return (dir, paths)
    }

    @discardableResult
    private func stage(_ dir: TemporaryDirectory, claim: ClaimID, kind: String, stem: String, _ text: String) throws
        -> String
    {
        try dir.write("outbox/\(ScoreJob.stagedName(tag: claim.text, kind: kind, stem: stem))", text)
    }

    @Test func committedClaimsArePublishedAndUncommittedOnesRescored() throws {
        let (dir, paths) = try setUp()
        let committed = ClaimID.next()
        let open = ClaimID.next()
        try stage(dir, claim: committed, kind: "errors.csv", stem: "a", "errors")
        try stage(dir, claim: committed, kind: "scored.csv", stem: "a", "scored")
        try stage(dir, claim: open, kind: "scored.csv", stem: "b", "half")
        try dir.write("state/processing/\(open.fileName(for: "b.csv"))", "input")
        try dir.write("state/archive/\(committed.fileName(for: "a.csv"))", "input")

        let report = try Recovery(paths: paths, publisher: Publisher(outbox: paths.outbox)).run()
        #expect(report.published == 1 && report.discarded == 1)
        #expect(report.unfinished == [open.fileName(for: "b.csv")])
        #expect(try dir.list("outbox") == ["a.errors.csv", "a.scored.csv"])
        #expect(try dir.read("outbox/a.scored.csv") == "scored")
    }

    @Test func aReasonFileInterruptedByACrashIsRemovedAndFinishedReasonsKept() throws {
        // The crash sweep's finding: SIGKILL while a reason file was written left its temporary name behind.
        let (dir, paths) = try setUp()
        let claimed = ClaimID.next().fileName(for: "bad.csv")
        try dir.write("state/quarantine/.\(claimed).reason.txt.4242.1.0.tmp", "could not score")
        try dir.write("state/quarantine/\(claimed)", "input")
        try dir.write("state/quarantine/\(claimed).reason.txt", "could not score this file")

        _ = try Recovery(paths: paths, publisher: Publisher(outbox: paths.outbox)).run()
        #expect(try dir.list("state/quarantine") == [claimed, "\(claimed).reason.txt"])
    }

    @Test func aClaimLinkedBeforeTheCrashIsFinishedNotScoredAgain() throws {
        let (dir, paths) = try setUp()
        let claim = ClaimID.next()
        let errors = try stage(dir, claim: claim, kind: "errors.csv", stem: "a", "errors")
        try stage(dir, claim: claim, kind: "scored.csv", stem: "a", "scored")
        try dir.write("state/processing/\(claim.fileName(for: "a.csv"))", "input")
        // The crash came after the commit (the first link) and before the archiver ran.
        #expect(link(errors, "\(paths.outbox)/a.errors.csv") == 0)

        let report = try Recovery(paths: paths, publisher: Publisher(outbox: paths.outbox)).run()
        #expect(report == .init(unfinished: [], published: 1, discarded: 0))
        #expect(try dir.list("outbox") == ["a.errors.csv", "a.scored.csv"])
        #expect(try dir.read("outbox/a.scored.csv") == "scored")
        #expect(try dir.list("state/processing").isEmpty)
        #expect(try dir.list("state/archive") == [claim.fileName(for: "a.csv")])
    }

    @Test func aRefusedClaimLinkedBeforeTheCrashEndsInQuarantine() throws {
        let (dir, paths) = try setUp()
        let claim = ClaimID.next()
        let report = try stage(dir, claim: claim, kind: "error.txt", stem: "b", "could not score")
        try dir.write("state/processing/\(claim.fileName(for: "b.csv"))", "input")
        #expect(link(report, "\(paths.outbox)/b.error.txt") == 0)

        #expect(try Recovery(paths: paths, publisher: Publisher(outbox: paths.outbox)).run().published == 1)
        #expect(try dir.list("outbox") == ["b.error.txt"])
        let name = claim.fileName(for: "b.csv")
        #expect(try dir.list("state/quarantine") == [name, "\(name).reason.txt"])
        #expect(try dir.read("state/quarantine/\(name).reason.txt") == "could not score\n")
    }

    @Test func archiverLeavesTheErrorReportBesideAQuarantinedInput() async throws {
        let (dir, paths) = try setUp()
        let archiver = Archiver(paths: paths) { what, error in Issue.record("\(what): \(error)") }
        let claim = ClaimID.next()
        let report = try stage(dir, claim: claim, kind: "error.txt", stem: "bad", "could not score this file: …\n")
        let name = claim.fileName(for: "bad.csv")
        try dir.write("state/processing/\(name)", "garbage")
        _ = try Publisher(outbox: paths.outbox).linkStaged(stem: "bad", files: [(report, "error.txt")])

        archiver.add(.init(claimed: name, destination: paths.quarantine, staged: [report]))
        await archiver.finishPending()

        #expect(try dir.list("state/quarantine") == [name, "\(name).reason.txt"])
        #expect(try dir.read("state/quarantine/\(name).reason.txt") == "could not score this file: …\n")
        #expect(try dir.list("outbox") == ["bad.error.txt"])
    }

    @Test func archiverMovesInputsAndRemovesStagedNamesInOneBatch() async throws {
        let (dir, paths) = try setUp()
        let archiver = Archiver(paths: paths) { what, error in Issue.record("\(what): \(error)") }
        for (index, stem) in ["a", "b", "c"].enumerated() {
            let claim = ClaimID.next()
            let staged = try stage(dir, claim: claim, kind: "scored.csv", stem: stem, "scored")
            try dir.write("state/processing/\(claim.fileName(for: "\(stem).csv"))", "input")
            _ = try Publisher(outbox: paths.outbox).linkStaged(stem: stem, files: [(staged, "scored.csv")])
            archiver.add(
                .init(
                    claimed: claim.fileName(for: "\(stem).csv"),
                    destination: index == 2 ? paths.quarantine : paths.archive, staged: [staged]))
        }
        await archiver.finishPending()
        #expect(try dir.list("outbox") == ["a.scored.csv", "b.scored.csv", "c.scored.csv"])
        #expect(try dir.list("state/processing").isEmpty)
        #expect(fixtureCount(dir, "state/archive") == 2 && fixtureCount(dir, "state/quarantine") == 1)
    }

    private func fixtureCount(_ dir: TemporaryDirectory, _ folder: String) -> Int {
        ((try? dir.list(folder)) ?? []).count
    }

    @Test func publishingAgainAfterACrashMidwayAddsNoDuplicate() throws {
        let (dir, paths) = try setUp()
        try dir.write("outbox/a.scored.csv", "someone else's")
        let claim = ClaimID.next()
        let errors = try stage(dir, claim: claim, kind: "errors.csv", stem: "a", "errors")
        let scored = try stage(dir, claim: claim, kind: "scored.csv", stem: "a", "scored")
        // A first attempt linked errors.csv under the first free suffix, then died.
        #expect(link(errors, "\(paths.outbox)/a-1.errors.csv") == 0)

        let published = try Publisher(outbox: paths.outbox).publish(
            stem: "a", files: [(errors, "errors.csv"), (scored, "scored.csv")])
        #expect(published.map { FileSystem.split($0).name } == ["a-1.errors.csv", "a-1.scored.csv"])
        #expect(try dir.list("outbox") == ["a-1.errors.csv", "a-1.scored.csv", "a.scored.csv"])
    }

    @Test func onlyRegularSingleLinkFilesMayBeOpened() throws {
        let (dir, _) = try setUp()
        let file = try dir.write("f.csv", "x")
        #expect(InboxJob.refusal(ofEntryAt: file) == nil)
        symlink(file, "\(dir.path)/l.csv")
        #expect(InboxJob.refusal(ofEntryAt: "\(dir.path)/l.csv")?.contains("symbolic link") == true)
        link(file, "\(dir.path)/h.csv")
        #expect(InboxJob.refusal(ofEntryAt: file)?.contains("hard links") == true)
    }

    @Test func networkAndFuseFileSystemsAreRecognised() {
        #expect(FileSystemKind.name(ofMagic: 0x6969) == "NFS")
        #expect(FileSystemKind.name(ofMagic: 0x6573_5546) == "FUSE")
        #expect(FileSystemKind.name(ofMagic: 0xFF53_4D42) == "CIFS")
        #expect(FileSystemKind.name(ofMagic: 0xEF53) == nil)
    }
}
