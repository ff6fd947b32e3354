import ChurnCore
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

/// Issue 11 item 4: a label joins, per version, with the most recent logged prediction for its id made before
/// the label file arrived and within `[live] max_label_age_days`; `request_id` and `file` columns join exactly;
/// the journal line and `churnd models` count the labels joined, too old and matched nothing.
@Suite(.serialized)
struct LabelJoinDaemonTests {
    /// Each customer's prediction (0/1) in a scored file.
    static func predictions(_ scoredCSV: String) -> [String: String] {
        var result: [String: String] = [:]
        for row in csvRows(scoredCSV).dropFirst() { result[row[0]] = row[2] }
        return result
    }

    static func outcomes(_ root: String, version: Int) throws -> [LiveOutcome] {
        let registry = try Registry(stateDirectory: "\(root)/state")
        return try registry.liveWindow(model: "churn_model", version: version, limit: 100_000)
    }

    @Test func labelsJoinTheLaterOfTwoFilesPredictionsAndNeverOldOrLaterOnes() throws {
        // Given v1 serving, and the same 300 customers scored in January's file and then in March's,
        let fixture = try DaemonFixture(config: "[drift]\nsample_rows_per_file = 1000\n")
        let root = fixture.root
        let daemon = try fixture.start()
        try dropFile("\(root)/inbox/jan.csv", try DaemonFixture.unlabeled(rows: 300, seed: 2))
        try eventually("jan scored", timeout: 20) { fixture.scored().contains("jan.scored.csv") }
        try dropFile("\(root)/inbox/mar.csv", try DaemonFixture.unlabeled(rows: 300, seed: 3))
        let log = "watch/logs/churnd-predictions.jsonl"
        try eventually("both files logged", timeout: 20) {
            ((try? fixture.dir.read(log)) ?? "").split(separator: "\n").count == 600
        }
        let jan = Self.predictions(try fixture.dir.read("outbox/jan.scored.csv"))
        let mar = Self.predictions(try fixture.dir.read("outbox/mar.scored.csv"))
        let differ = mar.keys.filter { jan[$0] != mar[$0] }.count
        #expect(differ >= 20, "January and March agree on all but \(differ) customers: the test would prove nothing")
        // and, in another service's log, a v1 prediction for OLD1 made 40 days ago and one for C0000001 made
        // an hour from now (after the labels arrive; the opposite of March's),
        let now = Date().timeIntervalSince1970
        let flipped = mar["C0000001"] == "1" ? 0 : 1
        try dropFile(
            "\(root)/watch/logs/other.jsonl",
            "{\"request_id\": \"OLD1\", \"model_version\": \"1\", \"prediction\": 1, \"probability\": 0.9, "
                + "\"features\": {}, \"ts\": \(now - 40 * 86_400)}\n"
                + "{\"request_id\": \"C0000001\", \"model_version\": \"1\", \"prediction\": \(flipped), "
                + "\"probability\": 0.5, \"features\": {}, \"ts\": \(now + 3600)}\n")

        // when labels equal to March's predictions arrive (plus OLD1 and an id nobody predicted),
        var labels = "customer_id,churn\nOLD1,1\nNOBODY,0\n"
        for id in mar.keys.sorted() { labels += "\(id),\(mar[id]!)\n" }
        try dropFile("\(root)/watch/labels/march-labels.csv", labels)
        try eventually("labels joined", timeout: 20) { daemon.log.contains("labels joined") }

        // then every label is credited to March's prediction: live F1 1, and no January or later prediction,
        let line = try #require(daemon.log.split(separator: "\n").first { $0.contains("labels joined") })
        print("label join journal line:\n\(line)")
        #expect(
            line.contains(
                "302 labels: 300 joined, 1 too old (prediction more than 30 days before the file arrived), "
                    + "1 matched no prediction; 300 outcomes stored, 1 prediction made after the file arrived not "
                    + "credited; v1 live F1 1.0000 on 300 rows"), "\(line)")
        let outcomes = try Self.outcomes(root, version: 1)
        #expect(outcomes.count == 300)
        #expect(outcomes.allSatisfy { $0.file == "mar.csv" && "\($0.prediction)" == mar[$0.requestID] })
        // and `churnd models` counts them.
        let models =
            try JSONSerialization.jsonObject(
                with: Data(try Churnd.run(["models", "--json"], in: root).stdout.utf8)) as? [String: Any]
        let counts = try #require(models?["labels"] as? [String: Any])
        #expect(counts["joined"] as? Int == 300 && counts["tooOld"] as? Int == 1 && counts["unmatched"] as? Int == 1)
        let text = try Churnd.run(["models"], in: root).stdout
        #expect(text.contains("labels: 302 from 1 file: 300 joined, 1 too old, 1 matched no prediction"), "\(text)")
        #expect(try daemon.stop() == 0)
    }

    @Test func requestIDAndFileColumnsJoinExactly() throws {
        // Given v1 serving, January's and March's files scored, and a lab API line with its own request id stamped
        // 50 ms back: after v1's promotion, and more than a tick of the coarse clock that stamps the label file's
        // arrival (a line stamped in the same tick could read as made after the labels arrived),
        let fixture = try DaemonFixture(config: "[drift]\nsample_rows_per_file = 1000\n")
        let root = fixture.root
        let daemon = try fixture.start()
        try dropFile("\(root)/inbox/jan.csv", try DaemonFixture.unlabeled(rows: 100, seed: 2))
        try eventually("jan scored", timeout: 20) { fixture.scored().contains("jan.scored.csv") }
        try dropFile("\(root)/inbox/mar.csv", try DaemonFixture.unlabeled(rows: 100, seed: 3))
        let log = "watch/logs/churnd-predictions.jsonl"
        try eventually("both files logged", timeout: 20) {
            ((try? fixture.dir.read(log)) ?? "").split(separator: "\n").count == 200
        }
        let jan = Self.predictions(try fixture.dir.read("outbox/jan.scored.csv"))
        try dropFile(
            "\(root)/watch/logs/api.jsonl",
            "{\"request_id\": \"9b2e-44\", \"model_version\": \"models:/churn_model@production\", \"prediction\": 1, "
                + "\"probability\": 0.734512, \"latency_ms\": 1.2, \"features\": {\"tenure_months\": 12, "
                + "\"num_complaints\": 3, \"avg_session_minutes\": 12.5, \"plan_type\": \"basic\", "
                + "\"region\": \"AF\"}, \"ts\": \(Date().timeIntervalSince1970 - 0.05)}\n")

        // when labels name January's file for every customer, and the lab's request id,
        var labels = "customer_id,file,request_id,churn\n,,9b2e-44,1\n"
        for id in jan.keys.sorted() { labels += "\(id),jan.csv,,\(jan[id]!)\n" }
        try dropFile("\(root)/watch/labels/exact.csv", labels)
        try eventually("labels joined", timeout: 20) { daemon.log.contains("labels joined") }

        // then each label judges exactly the prediction it names (January's, not the later March one).
        #expect(daemon.log.contains("101 labels: 101 joined, 0 too old"), "\(daemon.log)")
        let outcomes = try Self.outcomes(root, version: 1)
        #expect(outcomes.count == 101)
        let lab = try #require(outcomes.first { $0.requestID == "9b2e-44" })
        #expect(lab.prediction == 1 && lab.label == 1 && lab.file == nil)
        let customers = outcomes.filter { $0.requestID != "9b2e-44" }
        #expect(customers.allSatisfy { $0.file == "jan.csv" && "\($0.prediction)" == jan[$0.requestID] })
        #expect(try daemon.stop() == 0)
    }
}
