import ChurnCore
import ChurnStore
import ChurnTestKit
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The output protocol on a real folder, without the daemon: claims, staged names, commits, archiving,
/// quarantine and recovery.
struct OutboxLedgerTests {
    private func setUp() throws -> (TemporaryDirectory, OutboxLedger) {
        let dir = try TemporaryDirectory("churnd-recovery")
        return (dir, try reopen(dir).ledger)
    }

    /// The folders under `dir` (made if missing), and a new ledger on them: as after a restart.
    private func reopen(
        _ dir: TemporaryDirectory,
        syncFolder: @escaping @Sendable (String) throws -> Void = {
            try FileSystem.fsyncDirectory($0)
        }
    ) throws -> (folders: OutboxLedger.Folders, ledger: OutboxLedger) {
        let folders = OutboxLedger.Folders(
            inbox: "\(dir.path)/inbox", outbox: "\(dir.path)/outbox", processing: "\(dir.path)/state/processing",
            archive: "\(dir.path)/state/archive", quarantine: "\(dir.path)/state/quarantine")
        for folder in [folders.inbox, folders.outbox, folders.processing, folders.archive, folders.quarantine] {
            try FileSystem.makeDirectory(folder)
        }
        let ledger = OutboxLedger(
            folders: folders, onArchiveError: { what, error in Issue.record("\(what): \(error)") },
            syncFolder: syncFolder)
        return (folders, ledger)
    }

    @discardableResult
    private func stage(_ dir: TemporaryDirectory, claim: ClaimID, kind: OutputKind, stem: String, _ text: String)
        throws -> String
    {
        try dir.write("outbox/\(StagedName(claim: claim, kind: kind, stem: stem).text)", text)
    }

    private func claim(_ id: ClaimID, _ name: String) -> OutboxLedger.Claim {
        OutboxLedger.Claim(id: id, original: name)
    }

    // MARK: names

    @Test func idsAreUniqueSortableAndRoundTripThroughNames() {
        let ids = (0..<1000).map { _ in ClaimID.next() }
        #expect(Set(ids).count == 1000)
        #expect(ids.map(\.text) == ids.map(\.text).sorted())
        let name = ids[0].fileName(for: "customers.2026.csv")
        let parsed = ClaimID.parse(fileName: name)
        #expect(parsed?.0 == ids[0] && parsed?.original == "customers.2026.csv")
    }

    @Test(arguments: ["customers.csv", "0123456789abcdeg.x", "0123456789abcdef", ".0123456789abcdef.x"])
    func namesThatAreNotClaimsAreNot(name: String) {
        #expect(ClaimID.parse(fileName: name) == nil)
    }

    @Test func stagedNamesCarryClaimKindAndStem() {
        let parsed = StagedName(".0123456789abcdef.errors.csv.my.file.tmp")
        #expect(parsed?.claim.text == "0123456789abcdef")
        #expect(parsed?.kind == .errors && parsed?.stem == "my.file")
        #expect(parsed?.text == ".0123456789abcdef.errors.csv.my.file.tmp")
        #expect(StagedName(".x.scored.csv.12345.0.tmp") == nil)
        // The temporary names of `churnd score` are never taken for a claim's.
        #expect(StagedName(".c.scored.csv.4242.0.0.tmp") == nil)
    }

    @Test(arguments: [
        ("customers.csv", "customers"), ("DATA.CSV", "DATA"), ("data.txt", "data.txt"), ("in/x.csv", "x"),
    ])
    func theStemIsTheNameWithoutItsCSVExtension(name: String, stem: String) {
        #expect(OutboxLedger.stem(of: name) == stem)
    }

    @Test func theFirstFreeSuffixCountsFromTheBareStem() {
        let taken: Set<String> = ["a", "a-1", "a-3"]
        #expect(FirstFreeSuffix.first("a") { taken.contains($0) ? nil : $0 } == "a-2")
        #expect(FirstFreeSuffix.first("b") { taken.contains($0) ? nil : $0 } == "b")
    }

    // MARK: claim, stage, commit

    @Test func aClaimMovesTheInputAndAGoneInputIsNoClaim() throws {
        let (dir, ledger) = try setUp()
        try dir.write("inbox/a.csv", "input")
        let claim = try #require(try ledger.claim("a.csv"))
        #expect(try dir.list("inbox").isEmpty)
        #expect(try dir.list("state/processing") == [claim.fileName])
        #expect(OutboxLedger.Claim(fileName: claim.fileName) == claim)
        #expect(try ledger.claim("a.csv") == nil)
    }

    @Test func aCommitPublishesUnderTheFirstSuffixFreeForEveryKindAndArchivesLater() async throws {
        let (dir, ledger) = try setUp()
        try dir.write("outbox/a.error.txt", "an earlier input's report")
        try dir.write("inbox/a.csv", "input")
        let claim = try #require(try ledger.claim("a.csv"))
        let staging = ledger.staging(for: claim)
        for kind in [OutputKind.scored, .errors] {
            let file = try staging.create(kind)
            var writer = ByteWriter(fd: file.fd, path: file.temporaryPath)
            try writer.write(kind.rawValue)
            try writer.flush()
        }
        let outputs = try staging.keep()
        #expect(outputs.files.map(\.kind) == [.errors, .scored])

        let published = try ledger.commit(outputs, of: claim)
        #expect(published.map { FileSystem.split($0).name } == ["a-1.errors.csv", "a-1.scored.csv"])
        await ledger.finishArchiving()
        #expect(try dir.list("outbox") == ["a-1.errors.csv", "a-1.scored.csv", "a.error.txt"])
        #expect(try dir.read("outbox/a-1.scored.csv") == "scored.csv")
        #expect(try dir.list("state/processing").isEmpty)
        #expect(try dir.list("state/archive") == [claim.fileName])
    }

    @Test func aRetriedClaimThatWasNotCommittedLosesWhatItStaged() throws {
        let (dir, ledger) = try setUp()
        let id = ClaimID.next()
        try stage(dir, claim: id, kind: .scored, stem: "a", "half")
        try dir.write("state/processing/\(id.fileName(for: "a.csv"))", "input")

        #expect(try ledger.finishCommitted(claim(id, "a.csv")) == nil)
        #expect(try dir.list("outbox").isEmpty)
    }

    @Test func aRetriedClaimThatWasCommittedIsPublishedAsItIs() async throws {
        let (dir, ledger) = try setUp()
        let id = ClaimID.next()
        let errors = try stage(dir, claim: id, kind: .errors, stem: "a", "errors")
        try stage(dir, claim: id, kind: .scored, stem: "a", "scored")
        try dir.write("state/processing/\(id.fileName(for: "a.csv"))", "input")
        // The first attempt linked errors.csv, then the disk filled up.
        #expect(link(errors, "\(dir.path)/outbox/a.errors.csv") == 0)

        let published = try #require(try ledger.finishCommitted(claim(id, "a.csv")))
        #expect(published.map { FileSystem.split($0).name } == ["a.errors.csv", "a.scored.csv"])
        await ledger.finishArchiving()
        #expect(try dir.list("outbox") == ["a.errors.csv", "a.scored.csv"])
        #expect(try dir.list("state/archive") == [id.fileName(for: "a.csv")])
    }

    // MARK: several claims committed together

    /// What the ledger's outbox syncs saw.
    final class SyncLog: Sendable {
        let lines = Mutex<[String]>([])
    }

    /// Claims `inbox/<name>.csv` and stages `<text>` as its scored output through the ledger's own staging
    /// (created, written, fdatasynced): steps 1 and 2.
    /// With `sync: false`, the staged file is left unsynced and open, for the commit to sync (a batch's way).
    private func claimAndStage(
        _ ledger: OutboxLedger, _ dir: TemporaryDirectory, _ name: String, _ text: String, sync: Bool = true
    ) throws -> (claim: OutboxLedger.Claim, outputs: StagedOutputs) {
        try dir.write("inbox/\(name).csv", "input \(name)")
        let claim = try #require(try ledger.claim("\(name).csv"))
        let staging = ledger.staging(for: claim)
        let file = try staging.create(.scored)
        var writer = ByteWriter(fd: file.fd, path: file.temporaryPath)
        try writer.write(text)
        try writer.flush()
        return (claim, try staging.keep(sync: sync))
    }

    /// The paths this process has open, from `/proc/self/fd`.
    private func openPaths() throws -> Set<String> {
        var paths: Set<String> = []
        for name in try FileSystem.list("/proc/self/fd") {
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink("/proc/self/fd/\(name)", &buffer, buffer.count - 1)
            if count > 0 {
                paths.insert(String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return paths
    }

    @Test func aBatchsUnsyncedFilesStayOpenUntilTheCommitSyncsAndClosesThem() async throws {
        let dir = try TemporaryDirectory("churnd-batch-open")
        let (_, ledger) = try reopen(dir)
        let batch = try (0..<3).map { try claimAndStage(ledger, dir, "f\($0)", "scored \($0)", sync: false) }
        let staged = batch.flatMap { $0.outputs.files.map(\.path) }
        #expect(batch.allSatisfy { !$0.outputs.synced })
        // Resolved the way the kernel names them (the temporary folder may be reached through a link).
        let resolved = Set(
            staged.map { path in
                var buffer = [CChar](repeating: 0, count: 4096)
                return realpath(path, &buffer).map { String(cString: $0) } ?? path
            })
        #expect(resolved.isSubset(of: try openPaths()), "the staged files are still open before the commit")

        let results = ledger.commit(batch)
        #expect(batch.allSatisfy { $0.outputs.synced })
        #expect(resolved.isDisjoint(with: try openPaths()), "the commit closed them")
        #expect(
            try results.map { try $0.get().map { FileSystem.split($0).name } } == (0..<3).map { ["f\($0).scored.csv"] })
        await ledger.finishArchiving()
        for index in 0..<3 { #expect(try dir.read("outbox/f\(index).scored.csv") == "scored \(index)") }
    }

    @Test func claimsStagedTogetherAreCommittedWithOneSyncOfTheOutbox() async throws {
        let dir = try TemporaryDirectory("churnd-batch")
        let synced = SyncLog()
        let (folders, ledger) = try reopen(dir) { folder in
            // The sync must come after every staged name of the batch exists, and before any link.
            let names = try FileSystem.list(folder)
            let staged = names.count { $0.hasPrefix(".") }
            synced.lines.withLock { $0.append("\(folder): \(names.count - staged) public, \(staged) staged") }
            try FileSystem.fsyncDirectory(folder)
        }
        let batch = try (0..<5).map { try claimAndStage(ledger, dir, "f\($0)", "scored \($0)") }

        let results = ledger.commit(batch)
        #expect(synced.lines.withLock { $0 } == ["\(folders.outbox): 0 public, 5 staged"])
        let published = try results.map { try $0.get().map { FileSystem.split($0).name } }
        #expect(published == (0..<5).map { ["f\($0).scored.csv"] })
        await ledger.finishArchiving()
        #expect(try dir.list("outbox") == (0..<5).map { "f\($0).scored.csv" })
        for index in 0..<5 { #expect(try dir.read("outbox/f\(index).scored.csv") == "scored \(index)") }
        #expect(try dir.list("state/processing").isEmpty)
        #expect(try dir.list("state/archive") == batch.map(\.claim.fileName).sorted())
        // One sync for the batch; the archiving that followed used its own.
        #expect(synced.lines.withLock { $0.count } == 1)
    }

    @Test func whenTheSharedSyncFailsNoClaimOfTheBatchIsCommitted() throws {
        let dir = try TemporaryDirectory("churnd-batch-fail")
        let (_, ledger) = try reopen(dir) { throw ChurnError.io(path: $0, operation: "fsync", errno: EIO) }
        let batch = try (0..<3).map { try claimAndStage(ledger, dir, "f\($0)", "scored") }

        let results = ledger.commit(batch)
        #expect(results.count == 3)
        for result in results { #expect(throws: ChurnError.self) { try result.get() } }
        // Nothing public; each claim, retried, is found uncommitted and scored again from the start.
        #expect(try dir.list("outbox").allSatisfy { $0.hasPrefix(".") })
        for entry in batch { #expect(try ledger.finishCommitted(entry.claim) == nil) }
        #expect(try dir.list("outbox").isEmpty)
        #expect(try dir.list("state/processing").count == 3)
    }

    @Test func aCrashBetweenTheLinksOfABatchEndsWithOneOutputPerInput() async throws {
        let (dir, ledger) = try setUp()
        let batch = try ["a", "b", "c"].map { try claimAndStage(ledger, dir, $0, "scored \($0)") }
        // The batch's sync ran and the first claim was linked; then the process died (this ledger is never
        // used again: nothing of it is archived).
        try FileSystem.fsyncDirectory("\(dir.path)/outbox")
        let first = try #require(batch[0].outputs.files.first)
        #expect(link(first.path, "\(dir.path)/outbox/a.scored.csv") == 0)

        let (_, restarted) = try reopen(dir)
        let report = try restarted.recover()
        #expect(report.published == 1)
        #expect(report.unfinished.sorted() == [batch[1].claim.fileName, batch[2].claim.fileName].sorted())
        #expect(try dir.list("outbox") == ["a.scored.csv"])
        // Scored again from the start, as a batch of their own.
        let again = try batch[1...].map { entry in
            let staging = restarted.staging(for: entry.claim)
            let file = try staging.create(.scored)
            var writer = ByteWriter(fd: file.fd, path: file.temporaryPath)
            try writer.write("scored \(entry.claim.stem)")
            try writer.flush()
            return (claim: entry.claim, outputs: try staging.keep())
        }
        #expect(restarted.commit(again).allSatisfy { (try? $0.get()) != nil })
        await restarted.finishArchiving()
        #expect(try dir.list("outbox") == ["a.scored.csv", "b.scored.csv", "c.scored.csv"])
        for name in ["a", "b", "c"] { #expect(try dir.read("outbox/\(name).scored.csv") == "scored \(name)") }
        #expect(try dir.list("state/processing").isEmpty)
        #expect(try dir.list("state/archive") == batch.map(\.claim.fileName).sorted())
    }

    // MARK: recovery

    @Test func committedClaimsArePublishedAndUncommittedOnesRescored() throws {
        let (dir, ledger) = try setUp()
        let committed = ClaimID.next()
        let open = ClaimID.next()
        try stage(dir, claim: committed, kind: .errors, stem: "a", "errors")
        try stage(dir, claim: committed, kind: .scored, stem: "a", "scored")
        try stage(dir, claim: open, kind: .scored, stem: "b", "half")
        try dir.write("state/processing/\(open.fileName(for: "b.csv"))", "input")
        try dir.write("state/archive/\(committed.fileName(for: "a.csv"))", "input")

        let report = try ledger.recover()
        #expect(report.published == 1 && report.discarded == 1)
        #expect(report.unfinished == [open.fileName(for: "b.csv")])
        #expect(try dir.list("outbox") == ["a.errors.csv", "a.scored.csv"])
        #expect(try dir.read("outbox/a.scored.csv") == "scored")
    }

    @Test func stagedOutputsOfAClaimLostToAPowerCutAreRemoved() throws {
        let (dir, ledger) = try setUp()
        let lost = ClaimID.next()
        // The claim's rename did not survive: the input is back in the inbox, its staged output did survive.
        try stage(dir, claim: lost, kind: .scored, stem: "c", "scored")
        try dir.write("inbox/c.csv", "input")

        #expect(try ledger.recover() == .init(unfinished: [], published: 0, discarded: 1))
        #expect(try dir.list("outbox").isEmpty)
        #expect(try dir.list("inbox") == ["c.csv"])
    }

    @Test func aReasonFileInterruptedByACrashIsRemovedAndFinishedReasonsKept() throws {
        // The crash sweep's finding: SIGKILL while a reason file was written left its temporary name behind.
        let (dir, ledger) = try setUp()
        let claimed = ClaimID.next().fileName(for: "bad.csv")
        try dir.write("state/quarantine/.\(claimed).reason.txt.4242.1.0.tmp", "could not score")
        try dir.write("state/quarantine/\(claimed)", "input")
        try dir.write("state/quarantine/\(claimed).reason.txt", "could not score this file")

        _ = try ledger.recover()
        #expect(try dir.list("state/quarantine") == [claimed, "\(claimed).reason.txt"])
    }

    @Test func aClaimLinkedBeforeTheCrashIsFinishedNotScoredAgain() throws {
        let (dir, ledger) = try setUp()
        let id = ClaimID.next()
        let errors = try stage(dir, claim: id, kind: .errors, stem: "a", "errors")
        try stage(dir, claim: id, kind: .scored, stem: "a", "scored")
        try dir.write("state/processing/\(id.fileName(for: "a.csv"))", "input")
        // The crash came after the commit (the first link) and before archiving.
        #expect(link(errors, "\(dir.path)/outbox/a.errors.csv") == 0)

        let report = try ledger.recover()
        #expect(report == .init(unfinished: [], published: 1, discarded: 0))
        #expect(try dir.list("outbox") == ["a.errors.csv", "a.scored.csv"])
        #expect(try dir.read("outbox/a.scored.csv") == "scored")
        #expect(try dir.list("state/processing").isEmpty)
        #expect(try dir.list("state/archive") == [id.fileName(for: "a.csv")])
    }

    @Test func aRefusedClaimLinkedBeforeTheCrashEndsInQuarantine() throws {
        let (dir, ledger) = try setUp()
        let id = ClaimID.next()
        let report = try stage(dir, claim: id, kind: .report, stem: "b", "could not score")
        try dir.write("state/processing/\(id.fileName(for: "b.csv"))", "input")
        #expect(link(report, "\(dir.path)/outbox/b.error.txt") == 0)

        #expect(try ledger.recover().published == 1)
        #expect(try dir.list("outbox") == ["b.error.txt"])
        let name = id.fileName(for: "b.csv")
        #expect(try dir.list("state/quarantine") == [name, "\(name).reason.txt"])
        #expect(try dir.read("state/quarantine/\(name).reason.txt") == "could not score\n")
    }

    // MARK: archiving

    @Test func archivingLeavesTheErrorReportBesideAQuarantinedInput() async throws {
        let (dir, ledger) = try setUp()
        let id = ClaimID.next()
        let report = try stage(dir, claim: id, kind: .report, stem: "bad", "could not score this file: …\n")
        let name = id.fileName(for: "bad.csv")
        try dir.write("state/processing/\(name)", "garbage")

        try ledger.commit(
            StagedOutputs(stem: "bad", files: [StagedFile(kind: .report, path: report)]), of: claim(id, "bad.csv"))
        await ledger.finishArchiving()

        #expect(try dir.list("state/quarantine") == [name, "\(name).reason.txt"])
        #expect(try dir.read("state/quarantine/\(name).reason.txt") == "could not score this file: …\n")
        #expect(try dir.list("outbox") == ["bad.error.txt"])
    }

    @Test func archivingMovesInputsAndRemovesStagedNamesInOneBatch() async throws {
        let (dir, ledger) = try setUp()
        for (index, stem) in ["a", "b", "c"].enumerated() {
            let id = ClaimID.next()
            let kind: OutputKind = index == 2 ? .report : .scored
            let staged = try stage(dir, claim: id, kind: kind, stem: stem, "output")
            try dir.write("state/processing/\(id.fileName(for: "\(stem).csv"))", "input")
            try ledger.commit(
                StagedOutputs(stem: stem, files: [StagedFile(kind: kind, path: staged)]),
                of: claim(id, "\(stem).csv"))
        }
        await ledger.finishArchiving()
        #expect(try dir.list("outbox") == ["a.scored.csv", "b.scored.csv", "c.error.txt"])
        #expect(try dir.list("state/processing").isEmpty)
        #expect(try dir.list("state/archive").count == 2)
        #expect(try dir.list("state/quarantine").count == 2)  // the input and its reason
    }

    @Test func publishingAgainAfterACrashMidwayAddsNoDuplicate() throws {
        let (dir, _) = try setUp()
        try dir.write("outbox/a.scored.csv", "someone else's")
        let id = ClaimID.next()
        let errors = try stage(dir, claim: id, kind: .errors, stem: "a", "errors")
        let scored = try stage(dir, claim: id, kind: .scored, stem: "a", "scored")
        // A first attempt linked errors.csv under the first free suffix, then died.
        #expect(link(errors, "\(dir.path)/outbox/a-1.errors.csv") == 0)

        let published = try OutboxLedger.publish(
            StagedOutputs(
                stem: "a", files: [StagedFile(kind: .errors, path: errors), StagedFile(kind: .scored, path: scored)]),
            in: "\(dir.path)/outbox")
        #expect(published.map { FileSystem.split($0).name } == ["a-1.errors.csv", "a-1.scored.csv"])
        #expect(try dir.list("outbox") == ["a-1.errors.csv", "a-1.scored.csv", "a.scored.csv"])
    }

    // MARK: quarantine

    @Test func onlyRegularSingleLinkFilesMayBeOpened() throws {
        let (dir, _) = try setUp()
        let file = try dir.write("f.csv", "x")
        #expect(OutboxLedger.refusal(ofEntryAt: file) == nil)
        symlink(file, "\(dir.path)/l.csv")
        #expect(OutboxLedger.refusal(ofEntryAt: "\(dir.path)/l.csv")?.contains("symbolic link") == true)
        link(file, "\(dir.path)/h.csv")
        #expect(OutboxLedger.refusal(ofEntryAt: file)?.contains("hard links") == true)
    }

    @Test func aQuarantinedFileKeepsItsNameBesideItsReason() throws {
        let (dir, ledger) = try setUp()
        let path = try dir.write("bad.csv", "x")
        let movedTo = try ledger.quarantine(path, problem: "bad.csv: line 2: no label", advice: "Fix it.")
        let name = FileSystem.split(movedTo).name
        #expect(ClaimID.parse(fileName: name)?.original == "bad.csv")
        #expect(try dir.list("state/quarantine") == [name, "\(name).reason.txt"])
        #expect(
            try dir.read("state/quarantine/\(name).reason.txt")
                == "bad.csv: line 2: no label\n\nIt was moved to \(movedTo). Fix it.\n")
        #expect(!dir.exists("bad.csv"))
    }
}
