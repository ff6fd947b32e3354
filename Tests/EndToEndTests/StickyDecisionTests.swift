import ChurnCore
import ChurnTestKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Decisions that stick: a restart trains nothing already trained on, `churnd train` says so, and a drift
/// rollback holds until new data arrives. Real daemons, real SQLite.
@Suite(.serialized)
struct StickyDecisionTests {
    func json(_ result: Churnd.Result) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    /// (serving version, versions, runs not counting the families a run did not choose).
    func registryCounts(_ root: String) throws -> (serving: Int?, versions: Int, runs: Int) {
        let status = try json(try Churnd.run(["status", "--json"], in: root))
        let runs = (status["runs"] as? [String: Int])?["total"] ?? -1
        return (status["serving"] as? Int, status["versions"] as? Int ?? -1, runs)
    }

    @Test func tenRestartsOnUnchangedDataTrainNothing() throws {
        // Given a daemon that trained once on the files in watch/data,
        let fixture = try DaemonFixture()
        let root = fixture.root
        try Churnd.run(["gen-data", "--rows", "2000", "--seed", "3", "-o", "watch/data/a.csv"], in: root)
        let first = try fixture.start()
        try eventually("the first run on a.csv", timeout: 120) { first.log.contains("training finished") }
        #expect(first.log.contains("training data not trained on yet: training now"))
        #expect(try first.stop() == 0)
        let before = try registryCounts(root)

        // when it is restarted ten times on the same files,
        for restart in 1...10 {
            let daemon = try fixture.start()
            #expect(daemon.log.contains("training data already trained on: not training"), "restart \(restart)")
            #expect(try daemon.stop() == 0)
            #expect(!daemon.log.contains("training started"), "restart \(restart) trained:\n\(daemon.log)")
        }

        // then no run and no version was added.
        let after = try registryCounts(root)
        #expect(after.runs == before.runs)
        #expect(after.versions == before.versions)
        #expect(after.serving == before.serving)
    }

    @Test func trainingTwiceOnTheSameFilesSaysSoAndForceTrainsAgain() throws {
        let fixture = try DaemonFixture(model: false)
        let root = fixture.root
        try Churnd.run(["gen-data", "--rows", "3000", "--seed", "4", "-o", "watch/data/a.csv"], in: root)
        let first = try Churnd.run(["train"], in: root)
        #expect(first.status == 0, "\(first.stderr)")
        let runs = try registryCounts(root).runs

        let second = try Churnd.run(["train"], in: root)
        #expect(second.status == 0)
        #expect(
            second.stdout.hasPrefix("already trained on these files with this configuration: run "), "\(second.stdout)")
        #expect(second.stdout.contains(" (promoted v1) at "), "\(second.stdout)")
        #expect(second.stdout.hasSuffix("; use --force to train again\n"), "\(second.stdout)")
        // The same content under another name is the same data.
        try Churnd.run(["gen-data", "--rows", "3000", "--seed", "4", "-o", "copy.csv"], in: root)
        let copy = try Churnd.run(["train", "--data", "copy.csv"], in: root)
        #expect(copy.stdout.hasPrefix("already trained on these files"), "\(copy.stdout)")
        #expect(try registryCounts(root).runs == runs)

        let forced = try Churnd.run(["train", "--force"], in: root)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("trained "), "\(forced.stdout)")
        #expect(try registryCounts(root).runs == runs + 1)
    }

    @Test func aDriftRollbackHoldsAcrossRestartsUntilNewDataArrives() throws {
        // Given v1, then v2 trained on watch/data's file and promoted by hand,
        let fixture = try DaemonFixture(
            config: "[drift]\ninterval_seconds = 1\nlast_n = 400\nmin_records = 100\nsample_rows_per_file = 0\n")
        let root = fixture.root
        try Churnd.run(["gen-data", "--rows", "2000", "--seed", "5", "-o", "watch/data/v2.csv"], in: root)
        #expect(try Churnd.run(["train"], in: root).status == 0)
        #expect(try Churnd.run(["promote", "2", "--reason", "second model"], in: root).status == 0)
        let v2 = try ModelArtifact.decode(
            Data(try fixture.dir.read("state/models/churn_model/2/model.json").utf8), path: "v2")
        let daemon = try fixture.start()
        #expect(daemon.log.contains("training data already trained on: not training"))

        // when v2's predictions drift, production goes back to v1, and nothing retrains on v2's data;
        var shifted = Generator()
        shifted.labeled = false
        try shifted.apply(shift: "num_complaints=2.4")
        try writePredictionLog(
            "\(root)/watch/logs/drifted.jsonl", generator: shifted, rows: 400, seed: 12, artifact: v2)
        try eventually("rollback to v1", timeout: 30) { try registryCounts(root).serving == 1 }
        let atRollback = try registryCounts(root)
        try holds("no retraining after the rollback", for: 3) { !daemon.log.contains("training started") }
        #expect(try daemon.stop() == 0)

        // restarting three times keeps v1 serving and trains nothing,
        for restart in 1...3 {
            let again = try fixture.start()
            let reports = try fixture.dir.list("state/reports").count
            try eventually("a drift check after restart \(restart)", timeout: 20) {
                try fixture.dir.list("state/reports").count > reports
            }
            #expect(try again.stop() == 0)
            #expect(!again.log.contains("training started"), "restart \(restart):\n\(again.log)")
            #expect(!again.log.contains("rolled production back"), "restart \(restart):\n\(again.log)")
            let counts = try registryCounts(root)
            #expect(counts.serving == 1 && counts.runs == atRollback.runs && counts.versions == atRollback.versions)
        }

        // and only a new labeled file makes a run, one that is not refused for repeating v2.
        let last = try fixture.start()
        try Churnd.run(["gen-data", "--rows", "2000", "--seed", "8", "-o", "new.csv"], in: root)
        #expect(rename("\(root)/new.csv", "\(root)/watch/data/new.csv") == 0)
        try eventually("training on the new file", timeout: 120) { last.log.contains("training finished") }
        #expect(try last.stop() == 0)
        #expect(try registryCounts(root).runs == atRollback.runs + 1)
        #expect(!last.log.contains("same files and configuration"), "\(last.log)")
    }
}
