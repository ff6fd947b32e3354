import ChurnCore
import ChurnTestKit
import Foundation
import Testing

/// Issue 5 item 5 end to end: label files in watch/labels are joined with the logged predictions of the
/// champion and the challenger; `churnd models` shows live F1; a label file with the wrong columns goes to
/// quarantine with its reason; labels that prove the challenger right promote it (`[live] promote_challenger`).
@Suite(.serialized)
struct LabelDaemonTests {
    @Test func labelsGiveLiveF1PerVersionAndBadLabelFilesAreQuarantined() throws {
        // Given v1 in production, v2 at challenger, and a scored file whose every row was logged by both,
        let fixture = try DaemonFixture(config: "[drift]\nsample_rows_per_file = 300\n")
        let root = fixture.root
        #expect(try Churnd.run(["train", "--data", "model-data.csv", "--force"], in: root).status == 0)
        let daemon = try fixture.start()
        try dropFile("\(root)/inbox/batch.csv", try DaemonFixture.unlabeled(rows: 300))
        let log = "watch/logs/churnd-predictions.jsonl"
        try eventually("champion and shadow lines", timeout: 20) {
            ((try? fixture.dir.read(log)) ?? "").split(separator: "\n").count == 600
        }

        // when a label file with the wrong columns arrives, it is quarantined with a reason,
        try dropFile("\(root)/watch/labels/wrong.csv", "id,outcome\nC1,1\n")
        try eventually("quarantined", timeout: 10) {
            ((try? fixture.dir.list("state/quarantine")) ?? []).contains { $0.hasSuffix("wrong.csv.reason.txt") }
        }
        let reason = try #require(try fixture.dir.list("state/quarantine").first { $0.hasSuffix(".reason.txt") })
        #expect(
            try fixture.dir.read("state/quarantine/\(reason)").contains("header lacks \"customer_id\" and \"churn\""))

        // and labels equal to the champion's predictions (plus one unknown id and one duplicate) are joined:
        let scored = csvRows(try fixture.dir.read("outbox/batch.scored.csv")).dropFirst()
        var labels = "customer_id,churn\nnobody,1\n"
        for row in scored { labels += "\(row[0]),\(row[2])\n" }
        labels += "\(scored.first![0]),\(scored.first![2])\n"
        try dropFile("\(root)/watch/labels/day1.csv", labels)
        try eventually("labels joined", timeout: 10) { daemon.log.contains("labels joined") }
        #expect(daemon.log.contains("301 labels: 300 joined, 0 too old"), "\(daemon.log)")
        #expect(daemon.log.contains("1 matched no prediction; 600 outcomes stored, 1 duplicate label (last kept)"))
        #expect(try fixture.dir.list("watch/labels").isEmpty)
        #expect(try fixture.dir.list("state/labels").contains { $0.hasSuffix("day1.csv") })

        // then `churnd models` shows each version's live F1 and the labeled rows behind it.
        let models =
            try JSONSerialization.jsonObject(
                with: Data(try Churnd.run(["models", "--json"], in: root).stdout.utf8)) as! [String: Any]
        let versions = models["versions"] as! [[String: Any]]
        #expect(versions[0]["liveF1"] as? Double == 1.0)
        #expect(versions[0]["liveRows"] as? Int == 300)
        #expect(versions[1]["liveRows"] as? Int == 300)
        let text = try Churnd.run(["models"], in: root).stdout
        #expect(text.contains("LIVE F1"))
        #expect(text.contains("1.0000 (300)"))
        #expect(try daemon.stop() == 0)
    }

    @Test func labelsWhereTheChallengerIsRightPromoteItAndTheNextFileIsServedByIt() throws {
        // Given v1 in production and v2 at challenger (trained on data with another tenure range, kept at
        // training time for too small a gain, yet predicting differently on live rows),
        let fixture = try DaemonFixture(config: "[drift]\nsample_rows_per_file = 10000\n[live]\nmin_live_rows = 500\n")
        let root = fixture.root
        try Churnd.run(
            ["gen-data", "--rows", "2000", "--seed", "7", "--shift", "tenure_months=1..47", "-o", "v2-data.csv"],
            in: root)
        let train = try Churnd.run(["train", "--data", "v2-data.csv"], in: root)
        #expect(train.stdout.contains("kept v1 in production"), "\(train.stdout)")
        #expect(try aliases(in: root) == [1: ["production"], 2: ["challenger"]])

        // and a scored file of 600 rows (more than min_live_rows) that both logged in full,
        let daemon = try fixture.start()
        try dropFile("\(root)/inbox/day1.csv", try DaemonFixture.unlabeled(rows: 600))
        let log = "watch/logs/churnd-predictions.jsonl"
        try eventually("champion and shadow lines", timeout: 20) {
            ((try? fixture.dir.read(log)) ?? "").split(separator: "\n").count == 1200
        }
        let (champion, challenger) = try predictions(in: try fixture.dir.read(log))
        #expect(champion.count == 600 && challenger.count == 600)
        let disagreements = champion.keys.filter { champion[$0] != challenger[$0] }.count
        #expect(disagreements >= 30, "v1 and v2 disagree on only \(disagreements) rows: the test would prove nothing")

        // when labels say the champion was right, the challenger stays where it is,
        try dropFile("\(root)/watch/labels/champion-right.csv", labelFile(champion))
        try eventually("champion-right labels joined", timeout: 10) {
            daemon.log.contains("challenger not promoted (live F1 ")
        }
        #expect(try aliases(in: root) == [1: ["production"], 2: ["challenger"]])

        // and when later labels for the same rows say the challenger was right,
        try dropFile("\(root)/watch/labels/challenger-right.csv", labelFile(challenger))

        // then the daemon promotes v2, with an audited reason that gives the live F1 of both,
        try eventually("v2 promoted", timeout: 10) { try serving(in: root) == 2 }
        let history =
            try JSONSerialization.jsonObject(
                with: Data(try Churnd.run(["history", "--json", "--alias", "production"], in: root).stdout.utf8))
            as! [String: Any]
        let move = try #require((history["events"] as! [[String: Any]]).first)
        #expect(move["from"] as? Int == 1)
        #expect(move["to"] as? Int == 2)
        #expect(move["actor"] as? String == "daemon")
        let reason = move["reason"] as? String ?? ""
        #expect(reason.hasPrefix("promoted challenger v2 to production over v1: live F1 1.0000 vs 0."), "\(reason)")
        #expect(reason.contains("on 600 labeled rows"), "\(reason)")

        // and the next inbox file is scored by v2.
        try dropFile("\(root)/inbox/day2.csv", try DaemonFixture.unlabeled(rows: 50, seed: 3))
        try eventually("day2 scored", timeout: 10) { fixture.scored().contains("day2.scored.csv") }
        let scored = csvRows(try fixture.dir.read("outbox/day2.scored.csv"))
        let column = try #require(scored.first?.firstIndex(of: "model_version"))
        #expect(scored.count == 51)
        #expect(scored.dropFirst().allSatisfy { $0[column] == "2" })
        #expect(try daemon.stop() == 0)
    }

    /// Each version's aliases, from `churnd models --json`.
    private func aliases(in root: String) throws -> [Int: [String]] {
        var result: [Int: [String]] = [:]
        for version in try models(in: root)["versions"] as! [[String: Any]] {
            result[version["version"] as! Int] = version["aliases"] as? [String]
        }
        return result
    }

    private func serving(in root: String) throws -> Int? {
        try models(in: root)["serving"] as? Int
    }

    private func models(in root: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(try Churnd.run(["models", "--json"], in: root).stdout.utf8))
            as! [String: Any]
    }

    /// The champion's (v1) and the challenger's (v2, shadow) prediction per customer id in a prediction log.
    private func predictions(in log: String) throws -> (champion: [String: Int], challenger: [String: Int]) {
        var champion: [String: Int] = [:]
        var challenger: [String: Int] = [:]
        for line in log.split(separator: "\n") {
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let id = record["request_id"] as! String
            let prediction = record["prediction"] as! Int
            switch (record["model_version"] as? String, record["alias"] as? String) {
            case ("1", nil): champion[id] = prediction
            case ("2", "challenger"): challenger[id] = prediction
            default: Issue.record("unexpected log line: \(line)")
            }
        }
        return (champion, challenger)
    }

    /// A label file saying each customer churned as `predictions` said.
    private func labelFile(_ predictions: [String: Int]) -> String {
        predictions.keys.sorted().reduce("customer_id,churn\n") { $0 + "\($1),\(predictions[$1]!)\n" }
    }
}
