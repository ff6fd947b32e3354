import ChurnTestKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One daemon per root: a second `churnd run` is refused at once and touches nothing; the lock dies with its
/// daemon (even by `kill -9`), and the next start finishes the dead daemon's claim exactly once.
@Suite(.serialized)
struct OneDaemonPerRootTests {
    /// Drops an unlabeled file of `rows` rows into the inbox (renamed in whole).
    func dropBig(_ fixture: DaemonFixture, rows: Int) throws {
        try Churnd.run(
            ["gen-data", "--rows", "\(rows)", "--seed", "5", "--unlabeled", "-o", ".big.csv.part"], in: fixture.root)
        #expect(rename("\(fixture.root)/.big.csv.part", "\(fixture.root)/inbox/big.csv") == 0)
    }

    func claimed(_ fixture: DaemonFixture) -> Bool {
        ((try? fixture.dir.list("state/processing")) ?? []).contains { $0.hasSuffix("big.csv") }
    }

    @Test func aSecondDaemonOnTheSameRootIsRefusedAndTouchesNothing() throws {
        // Given a daemon scoring a file of 3M rows (several seconds, even in a release build),
        let rows = 3_000_000
        let fixture = try DaemonFixture()
        let first = try fixture.start()
        try dropBig(fixture, rows: rows)
        try eventually("the big file claimed", timeout: 30) { claimed(fixture) }
        let lockBefore = try fixture.dir.read("state/churnd.lock")

        // when a second daemon starts on the same root,
        let started = Date()
        let second = try Churnd.run(["run"], in: fixture.root)
        let seconds = Date().timeIntervalSince(started)

        // then it exits 1 at once, naming the first one, and leaves its claim alone,
        #expect(second.status == 1)
        let root = realpath(fixture.root, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        }
        #expect(
            second.stderr.hasPrefix("churnd: another churnd (pid \(first.pid)) is running on \(root ?? "?") since "),
            "\(second.stderr)")
        #expect(seconds < 10, "took \(seconds) s")
        #expect(claimed(fixture) && fixture.scored().isEmpty, "the first daemon was no longer busy: use a bigger file")
        #expect(try fixture.dir.read("state/churnd.lock") == lockBefore)
        #expect(!second.stderr.contains("recovered"))
        // and every other command still works beside the first.
        #expect(try Churnd.run(["status"], in: fixture.root).status == 0)
        #expect(try Churnd.run(["models"], in: fixture.root).status == 0)
        try fixture.dir.write("side.csv", try DaemonFixture.unlabeled(rows: 20))
        let scratch = try TemporaryDirectory("churnd-side")
        #expect(try Churnd.run(["score", "side.csv", "-o", scratch.path], in: fixture.root).status == 0)
        #expect(try scratch.list().contains("side.scored.csv"))

        // The first finishes its file: exactly one output.
        try eventually("the big file scored", timeout: 300) {
            fixture.scored() == ["big.scored.csv"] && !claimed(fixture)
                && fixture.outbox().filter { $0.hasPrefix(".") }.isEmpty
        }
        let lines = try fixture.dir.read("outbox/big.scored.csv").split(separator: "\n").count
        #expect(lines == rows + 1)
        #expect(try first.stop() == 0)
    }

    @Test func afterKillNineTheLockIsFreeAndTheClaimIsFinishedOnce() throws {
        // Given a daemon killed with SIGKILL while it scores a big file,
        let rows = 1_000_000
        let fixture = try DaemonFixture()
        let first = try fixture.start()
        try dropBig(fixture, rows: rows)
        try eventually("the big file claimed", timeout: 30) { claimed(fixture) }
        first.killHard()
        #expect(try fixture.dir.read("state/churnd.lock").hasPrefix("pid \(first.pid)\n"))

        // when a new daemon starts, it gets the lock (the kernel dropped the dead one's),
        let second = try fixture.start()
        #expect(try fixture.dir.read("state/churnd.lock").hasPrefix("pid \(second.pid)\n"))
        #expect(second.log.contains("recovered after an interrupted run"), "\(second.log)")
        #expect(second.log.contains("rescoring=1"), "\(second.log)")

        // and finishes the claim exactly once.
        try eventually("the big file scored", timeout: 300) {
            fixture.scored() == ["big.scored.csv"] && !claimed(fixture)
                && fixture.outbox().filter { $0.hasPrefix(".") }.isEmpty
        }
        #expect(try second.stop() == 0)
        #expect(fixture.scored() == ["big.scored.csv"])
        #expect(try fixture.dir.list("state/archive").filter { $0.hasSuffix("big.csv") }.count == 1)
        let lines = try fixture.dir.read("outbox/big.scored.csv").split(separator: "\n").count
        #expect(lines == rows + 1)
    }
}
