import ChurnCore
import ChurnTestKit
import Foundation
import Testing

/// Issue 5 item 5 end to end: label files in watch/labels are joined with the logged predictions of the
/// champion and the challenger; `churnd models` shows live F1; a label file with the wrong columns goes to
/// quarantine with its reason.
@Suite(.serialized)
struct LabelDaemonTests {
    @Test func labelsGiveLiveF1PerVersionAndBadLabelFilesAreQuarantined() throws {
        // Given v1 in production, v2 at challenger, and a scored file whose every row was logged by both,
        let fixture = try DaemonFixture(config: "[drift]\nsample_rows_per_file = 300\n")
        let root = fixture.root
        #expect(try Churnd.run(["train", "--data", "model-data.csv"], in: root).status == 0)
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
        #expect(daemon.log.contains("1 duplicate ids (last label kept), 1 ids without a logged prediction ignored"))
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
}
