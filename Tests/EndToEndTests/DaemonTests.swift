import ChurnTestKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `churnd run` as a user sees it: files in, outputs out, nothing missed, nothing done twice.
@Suite(.serialized)
struct DaemonTests {
    @Test func filesPresentAtStartAndDroppedLaterAreScoredOnce() throws {
        let fixture = try DaemonFixture()
        let csv = try DaemonFixture.unlabeled(rows: 200)
        try fixture.dir.write("inbox/before.csv", csv)
        let daemon = try fixture.start()
        try dropFile("\(fixture.root)/inbox/renamed.csv", csv)
        try eventually("both files scored", timeout: 20) { fixture.scored().count == 2 }
        #expect(fixture.scored() == ["before.scored.csv", "renamed.scored.csv"])
        let rows = csvRows(try fixture.dir.read("outbox/renamed.scored.csv"))
        #expect(rows.count == 201)
        #expect(rows.dropFirst().allSatisfy { $0[3] == "1" })
        #expect(try daemon.stop() == 0)
        // Inputs are archived in batches just after their outputs appear; at the latest by a clean stop.
        #expect(try fixture.dir.list("state/archive").count == 2)
        #expect(fixture.count("state/processing") == 0)
        #expect(daemon.log.contains("file scored"))
        #expect(fixture.outbox().filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test func aFileWrittenSlowlyIsNotScoredBeforeItIsClosed() throws {
        let fixture = try DaemonFixture()
        let daemon = try fixture.start()
        let lines = try DaemonFixture.unlabeled(rows: 300).split(separator: "\n", omittingEmptySubsequences: false)
        let fd = open("\(fixture.root)/inbox/slow.csv", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0)
        // Chunks over more than one reconciliation interval: neither events nor the scan may take it early.
        for (index, chunk) in stride(from: 0, to: lines.count, by: 20).enumerated() {
            var text = lines[chunk..<min(chunk + 20, lines.count)].joined(separator: "\n")
            if chunk + 20 < lines.count { text += "\n" }
            _ = text.withCString { write(fd, $0, strlen($0)) }
            usleep(index < 3 ? 700_000 : 50_000)
            #expect(fixture.scored().isEmpty, "scored before close at chunk \(index)")
        }
        close(fd)
        try eventually("slow.csv scored", timeout: 20) { fixture.scored() == ["slow.scored.csv"] }
        #expect(csvRows(try fixture.dir.read("outbox/slow.scored.csv")).count == 301)
        try daemon.stop()
    }

    @Test func linksFifosAndFoldersAreQuarantinedNeverFollowed() throws {
        let fixture = try DaemonFixture()
        let daemon = try fixture.start()
        let secret = try fixture.dir.write("secret.csv", try DaemonFixture.unlabeled(rows: 10))
        symlink(secret, "\(fixture.root)/inbox/link.csv")
        mkfifo("\(fixture.root)/inbox/pipe.csv", 0o644)
        mkdir("\(fixture.root)/inbox/folder", 0o755)
        link(secret, "\(fixture.root)/inbox/hard.csv")
        try fixture.dir.write("inbox/.hidden.csv", "x")
        try fixture.dir.write("inbox/partial.csv.part", "x")
        try eventually("four entries quarantined", timeout: 20) {
            fixture.count("state/quarantine") == 8
        }
        let reasons = try fixture.dir.list("state/quarantine").filter { $0.hasSuffix(".reason.txt") }
            .map { try fixture.dir.read("state/quarantine/\($0)") }.joined()
        #expect(reasons.contains("symbolic link") && reasons.contains("FIFO") && reasons.contains("directory"))
        #expect(reasons.contains("hard links"))
        #expect(fixture.scored().isEmpty)
        #expect(fixture.dir.exists("inbox/.hidden.csv") && fixture.dir.exists("inbox/partial.csv.part"))
        #expect(try daemon.stop() == 0)
    }

    @Test func aThousandFilesDroppedAtOnceAreEachScoredOnce() throws {
        let fixture = try DaemonFixture()
        let daemon = try fixture.start()
        let csv = try DaemonFixture.unlabeled(rows: 5)
        let staging = "\(fixture.root)/staging"
        mkdir(staging, 0o755)
        for index in 0..<1000 { try fixture.dir.write("staging/f\(index).csv", csv) }
        for index in 0..<1000 { rename("\(staging)/f\(index).csv", "\(fixture.root)/inbox/f\(index).csv") }
        try eventually("1,000 files scored", timeout: 60) { fixture.scored().count == 1000 }
        #expect(Set(fixture.scored()) == Set((0..<1000).map { "f\($0).scored.csv" }))
        #expect(try fixture.dir.list("inbox").filter { !$0.hasPrefix(".") }.isEmpty)
        #expect(try daemon.stop() == 0)
        #expect(fixture.scored().count == 1000)
    }

    @Test func fiveThousandFilesAtStartPlusArrivalsDuringTheScan() throws {
        let fixture = try DaemonFixture()
        let csv = try DaemonFixture.unlabeled(rows: 3)
        for index in 0..<5000 { try fixture.dir.write("inbox/s\(index).csv", csv) }
        let daemon = try DaemonProcess(root: fixture.root)
        for index in 0..<200 { try dropFile("\(fixture.root)/inbox/n\(index).csv", csv) }
        try eventually("5,200 files scored", timeout: 180) { fixture.scored().count == 5200 }
        try daemon.stop()
        let expected = Set((0..<5000).map { "s\($0).scored.csv" } + (0..<200).map { "n\($0).scored.csv" })
        #expect(Set(fixture.scored()) == expected)
        #expect(fixture.count("state/archive") == 5200)
    }

    @Test func theInboxReplacedByANewFolderIsWatchedAgain() throws {
        let fixture = try DaemonFixture()
        let daemon = try fixture.start()
        let csv = try DaemonFixture.unlabeled(rows: 20)
        #expect(rename("\(fixture.root)/inbox", "\(fixture.root)/inbox.old") == 0)
        #expect(mkdir("\(fixture.root)/inbox", 0o755) == 0)
        try eventually("watches set again", timeout: 10) { daemon.log.contains("watches set again") }
        try dropFile("\(fixture.root)/inbox/after.csv", csv)
        try eventually("file in the new inbox scored", timeout: 10) { fixture.scored() == ["after.scored.csv"] }
        #expect(try daemon.stop() == 0)
    }

    @Test func inboxFilesWaitForAModelAndUseEachNewVersionWithoutRestart() throws {
        let fixture = try DaemonFixture(model: false)
        let daemon = try fixture.start()
        let csv = try DaemonFixture.unlabeled(rows: 50)
        try dropFile("\(fixture.root)/inbox/early.csv", csv)
        try eventually("waiting logged", timeout: 10) { daemon.log.contains("no production model yet") }
        #expect(fixture.scored().isEmpty)

        // Given a model trained by another process, the waiting file is scored with it.
        try Churnd.run(["gen-data", "--rows", "2000", "--seed", "3", "-o", "labeled.csv"], in: fixture.root)
        #expect(try Churnd.run(["train", "--data", "labeled.csv"], in: fixture.root).status == 0)
        try eventually("early.csv scored", timeout: 10) { fixture.scored() == ["early.scored.csv"] }

        #expect(csvRows(try fixture.dir.read("outbox/early.scored.csv")).dropFirst().allSatisfy { $0[3] == "1" })

        // When another process registers v2 and promotes it, the next file uses it within a second.
        try Churnd.run(["gen-data", "--rows", "2000", "--seed", "4", "-o", "labeled2.csv"], in: fixture.root)
        #expect(try Churnd.run(["train", "--data", "labeled2.csv"], in: fixture.root).status == 0)
        #expect(try Churnd.run(["promote", "2", "--reason", "test"], in: fixture.root).status == 0)
        try dropFile("\(fixture.root)/inbox/late.csv", csv)
        try eventually("late.csv scored", timeout: 10) { fixture.scored().count == 2 }
        let rows = csvRows(try fixture.dir.read("outbox/late.scored.csv"))
        #expect(rows.dropFirst().allSatisfy { $0[3] == "2" })
        #expect(daemon.log.components(separatedBy: "inbox files wait until").count == 2)
        #expect(try daemon.stop() == 0)
    }
}
