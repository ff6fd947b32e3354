import ChurnCore
import ChurnTestKit
import Foundation
import Testing

/// Issue 5 item 4: with a challenger in the registry, the daemon scores each inbox file with it too; the
/// challenger's predictions reach the prediction log (alias "challenger") and never the outbox, unless A/B
/// serving gives it a share of the customers.
@Suite(.serialized)
struct ShadowDaemonTests {
    @Test func theChallengerScoresEachInboxFileIntoThePredictionLogOnly() throws {
        // Given v1 in production and v2 (the same data again: kept) at challenger,
        let fixture = try DaemonFixture(config: "[drift]\nsample_rows_per_file = 100\n")
        let root = fixture.root
        let train = try Churnd.run(["train", "--data", "model-data.csv", "--force"], in: root)
        #expect(train.status == 0 && train.stdout.contains("kept v1"), "\(train.stdout)\(train.stderr)")
        let history = try Churnd.run(["history", "--alias", "challenger"], in: root)
        #expect(history.stdout.contains("– → v2"), "\(history.stdout)")
        let daemon = try fixture.start()

        // when a file is dropped into the inbox,
        try dropFile("\(root)/inbox/batch.csv", try DaemonFixture.unlabeled(rows: 300))
        try eventually("batch scored", timeout: 20) { fixture.scored() == ["batch.scored.csv"] }
        let log = "watch/logs/churnd-predictions.jsonl"
        try eventually("champion and shadow lines", timeout: 10) {
            ((try? fixture.dir.read(log)) ?? "").split(separator: "\n").count == 200
        }

        // then the log holds the champion's sample and the challenger's lines for the same rows,
        let records = try fixture.dir.read(log).split(separator: "\n").map { try PredictionRecord.parse($0) }
        let champion = records.filter { $0.alias == nil }
        let shadow = records.filter { $0.alias == "challenger" }
        #expect(champion.count == 100 && shadow.count == 100)
        #expect(champion.allSatisfy { $0.modelVersion == "1" })
        #expect(shadow.allSatisfy { $0.modelVersion == "2" })
        #expect(Set(shadow.map(\.requestID)) == Set(champion.map(\.requestID)))
        // and the outbox only the champion's output.
        #expect(fixture.outbox().filter { !$0.hasPrefix(".") }.sorted() == ["batch.scored.csv"])
        let rows = csvRows(try fixture.dir.read("outbox/batch.scored.csv"))
        #expect(rows.count == 301)
        #expect(rows.dropFirst().allSatisfy { $0.last == "1" })
        #expect(try daemon.stop() == 0)
    }

    @Test func withServeFractionTheChallengerServesItsShareOfCustomersInTheOutbox() throws {
        // Given v1 in production, v2 at challenger, and half the customers given to the challenger,
        let fixture = try DaemonFixture(config: "[shadow]\nserve_fraction = 0.5\n")
        let root = fixture.root
        #expect(try Churnd.run(["train", "--data", "model-data.csv", "--force"], in: root).status == 0)
        let daemon = try fixture.start()

        // when a file is dropped into the inbox,
        let csv = try DaemonFixture.unlabeled(rows: 400)
        _ = try fixture.dir.write("copy.csv", csv)
        try dropFile("\(root)/inbox/batch.csv", csv)
        try eventually("batch scored", timeout: 20) { fixture.scored() == ["batch.scored.csv"] }
        try eventually("logged", timeout: 10) { daemon.log.contains("challenger_rows") }
        #expect(try daemon.stop() == 0)

        // then each row is the line its server writes for it alone, v2 serving exactly the ids whose hash falls
        // in the lower half,
        var alone: [String: [String: String]] = [:]
        for version in ["1", "2"] {
            let run = try Churnd.run(["score", "copy.csv", "--version", version, "-o", "v\(version)"], in: root)
            #expect(run.status == 0, "\(run.stderr)")
            let lines = try fixture.dir.read("v\(version)/copy.scored.csv").split(separator: "\n").dropFirst()
            alone[version] = Dictionary(
                uniqueKeysWithValues: lines.map { (String($0.prefix { $0 != "," }), String($0)) })
        }
        let lines = try fixture.dir.read("outbox/batch.scored.csv").split(separator: "\n").dropFirst()
        #expect(lines.count == 400)
        var served = 0
        for line in lines {
            let id = String(line.prefix { $0 != "," })
            let challenger = Array(id.utf8).withUnsafeBufferPointer { ServingSplit.hash($0) } < 1 << 63
            served += challenger ? 1 : 0
            #expect(String(line) == alone[challenger ? "2" : "1"]?[id], "\(id)")
        }
        #expect((150...250).contains(served), "\(served) of 400")
        // and the journal counts the challenger's rows.
        #expect(daemon.log.contains("challenger_rows=\(served)"), "\(daemon.log)")
    }

    @Test func shadowScoringCanBeTurnedOff() throws {
        let fixture = try DaemonFixture(config: "[drift]\nsample_rows_per_file = 50\n[shadow]\nenabled = false\n")
        #expect(try Churnd.run(["train", "--data", "model-data.csv", "--force"], in: fixture.root).status == 0)
        let daemon = try fixture.start()
        try dropFile("\(fixture.root)/inbox/batch.csv", try DaemonFixture.unlabeled(rows: 100))
        try eventually("batch scored", timeout: 20) { fixture.scored() == ["batch.scored.csv"] }
        let log = "watch/logs/churnd-predictions.jsonl"
        try eventually("champion lines", timeout: 10) {
            ((try? fixture.dir.read(log)) ?? "").split(separator: "\n").count == 50
        }
        #expect(try daemon.stop() == 0)
        #expect(try !fixture.dir.read(log).contains("challenger"))
    }
}
