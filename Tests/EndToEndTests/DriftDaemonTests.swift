import ChurnCore
import ChurnTestKit
import Foundation
import Testing

/// Issue 6's end-to-end proof: with v1 then v2 promoted, drifted predictions appended to watch/logs make the
/// daemon roll production back to v1 within one (shortened) check interval, with the statistic in the audit
/// reason, exactly once for the alert; nothing retrains while `watch/data` holds only data already trained on
/// (see `StickyDecisionTests` for restarts and new data).
@Suite(.serialized)
struct DriftDaemonTests {
    func json(_ result: Churnd.Result) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    func daemonRollbacks(_ root: String) throws -> [[String: Any]] {
        let history = try json(try Churnd.run(["history", "--json"], in: root))
        return (history["events"] as! [[String: Any]]).filter {
            $0["kind"] as? String == "rollback" && $0["actor"] as? String == "daemon"
        }
    }

    @Test func aDriftAlertRollsProductionBackOnce() throws {
        // Given v1 and then v2 in production, v2 trained on the file in watch/data (so the daemon does not
        // retrain at start).
        let fixture = try DaemonFixture(
            config: "[drift]\ninterval_seconds = 1\nlast_n = 400\nmin_records = 100\nsample_rows_per_file = 0\n")
        let root = fixture.root
        try Churnd.run(["gen-data", "--rows", "2000", "--seed", "5", "-o", "watch/data/v2.csv"], in: root)
        #expect(try Churnd.run(["train"], in: root).status == 0)
        #expect(try Churnd.run(["promote", "2", "--reason", "second model"], in: root).status == 0)
        let v2 = try ModelArtifact.decode(
            Data(try fixture.dir.read("state/models/churn_model/2/model.json").utf8), path: "v2")

        let daemon = try fixture.start()
        // Predictions like the training data: checks run, no alert.
        var plain = Generator()
        plain.labeled = false
        try writePredictionLog("\(root)/watch/logs/calm.jsonl", generator: plain, rows: 400, seed: 11, artifact: v2)
        try eventually("a calm check", timeout: 20) { (try? fixture.dir.list("state/reports"))?.isEmpty == false }
        #expect(try daemonRollbacks(root).isEmpty)

        // When drifted predictions of v2 arrive,
        var shifted = plain
        try shifted.apply(shift: "num_complaints=2.4")
        try writePredictionLog(
            "\(root)/watch/logs/drifted.jsonl", generator: shifted, rows: 400, seed: 12, artifact: v2)

        // then production goes back to v1, audited by the daemon with the statistic,
        try eventually("rollback to v1", timeout: 20) {
            try json(try Churnd.run(["status", "--json"], in: root))["serving"] as? Int == 1
        }
        let rollbacks = try daemonRollbacks(root)
        #expect(rollbacks.count == 1)
        let reason = rollbacks.first?["reason"] as? String ?? ""
        #expect(reason.hasPrefix("drift alert: num_complaints"), "\(reason)")
        #expect(reason.contains("p "), "\(reason)")
        #expect(rollbacks.first?["from"] as? Int == 2)

        // the alert's page is written, and later checks do not roll back again.
        let reportsAtRollback = try fixture.dir.list("state/reports").count
        try eventually("three more checks", timeout: 30) {
            try fixture.dir.list("state/reports").filter { $0.hasSuffix(".json") }.count >= reportsAtRollback + 3
        }
        #expect(try fixture.dir.list("state/reports").contains { $0.hasSuffix(".html") })
        #expect(try daemonRollbacks(root).count == 1)
        #expect(try daemon.stop() == 0)
        // Nothing was retrained: the data in watch/data made v2 already.
        #expect(!daemon.log.contains("training started"), "\(daemon.log)")
    }

    /// A log line may hold any JSON number. Numbers far beyond what fits an `Int` used to stop the daemon in
    /// the check (and again at every restart, since the logs are read from their start).
    @Test func absurdNumbersInTheLogsAreCheckedAndTheDaemonKeepsRunning() throws {
        let fixture = try DaemonFixture(
            config: "[drift]\ninterval_seconds = 1\nlast_n = 400\nmin_records = 100\npolicy = \"alert\"\n")
        let daemon = try fixture.start()
        let lines = (0..<400).map { k in
            let (tenure, plan) = k % 2 == 0 ? ("1e300", "-1e300") : ("2e300", "\"basic\"")
            return #"{"request_id":"r\#(k)","model_version":"1","prediction":1,"probability":0.5,"features":"#
                + #"{"avg_session_minutes":12.5,"num_complaints":2,"plan_type":\#(plan),"region":"AF","#
                + #""tenure_months":\#(tenure)},"ts":\#(k)}"#
        }
        try dropFile("\(fixture.root)/watch/logs/absurd.jsonl", lines.joined(separator: "\n") + "\n")
        func reports() -> [String] { ((try? fixture.dir.list("state/reports")) ?? []).filter { $0.hasSuffix(".json") } }
        try eventually("a check of the absurd lines", timeout: 20) {
            try reports().contains { try fixture.dir.read("state/reports/\($0)").contains("\"read\" : 400") }
        }
        let checked = reports().count
        try eventually("two more checks", timeout: 20) { reports().count >= checked + 2 }
        #expect(daemon.log.contains("drift alert"), "\(daemon.log)")
        #expect(try daemon.stop() == 0)
    }

    @Test func theDaemonLogsASampleOfWhatItScores() throws {
        let fixture = try DaemonFixture(config: "[drift]\nsample_rows_per_file = 100\n")
        let daemon = try fixture.start()
        try dropFile("\(fixture.root)/inbox/batch.csv", try DaemonFixture.unlabeled(rows: 300))
        try eventually("batch scored", timeout: 20) { fixture.scored() == ["batch.scored.csv"] }
        let log = "watch/logs/churnd-predictions.jsonl"
        try eventually("log written", timeout: 10) {
            ((try? fixture.dir.read(log)) ?? "").split(separator: "\n").count == 100
        }
        var scored: [String: String] = [:]
        for row in csvRows(try fixture.dir.read("outbox/batch.scored.csv")).dropFirst() { scored[row[0]] = row[1] }
        for line in try fixture.dir.read(log).split(separator: "\n") {
            let record = try PredictionRecord.parse(line)
            #expect(record.modelVersion == "1")
            #expect(scored[record.requestID].flatMap(Double.init).map { abs($0 - record.probability) < 1e-6 } == true)
            #expect(record.features.count == Schema.reference.features.count)
        }
        #expect(try daemon.stop() == 0)
    }
}
