import ChurnTestKit
import Foundation
import Testing

/// Error reports name the file as the user dropped it and where it went, with a reason beside every
/// quarantined file; files with the wrong delimiter are told so.
@Suite(.serialized)
struct ActionableErrorTests {
    static let columns = "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region"

    @Test func theDaemonsReportNamesTheDroppedFileAndItsPlaceInQuarantine() throws {
        let fixture = try DaemonFixture()
        let daemon = try fixture.start()
        let semicolons = Self.columns.replacingOccurrences(of: ",", with: ";")
        try dropFile("\(fixture.root)/inbox/garbage.csv", "\(semicolons)\nC1;12;1;30.5;basic;EU\n")

        try eventually("the input quarantined with its reason", timeout: 20) {
            fixture.dir.exists("outbox/garbage.error.txt")
                && ((try? fixture.dir.list("state/quarantine")) ?? []).count == 2
        }
        let report = try fixture.dir.read("outbox/garbage.error.txt")
        let quarantined = try #require(try fixture.dir.list("state/quarantine").first { $0.hasSuffix(".garbage.csv") })
        #expect(report.contains("could not score this file: \(fixture.root)/inbox/garbage.csv: line 1: "))
        #expect(report.contains("looks like a semicolon-separated file; churnd reads comma-separated CSV"))
        #expect(report.contains("The input was moved to \(fixture.root)/state/quarantine/\(quarantined)"))
        #expect(report.contains("drop it into \(fixture.root)/inbox/ again"))
        #expect(!report.contains("processing"))
        #expect(try fixture.dir.read("state/quarantine/\(quarantined).reason.txt") == report)
        #expect(daemon.log.contains("moved_to=\(fixture.root)/state/quarantine/\(quarantined)"))
        #expect(try daemon.stop() == 0)
    }

    @Test func aRefusedTrainingFileGetsAReasonSayingWhereItWent() throws {
        let fixture = try DaemonFixture()
        let daemon = try fixture.start()
        let tabs = (Self.columns + ",churn").replacingOccurrences(of: ",", with: "\t")
        try dropFile("\(fixture.root)/watch/data/tabs.csv", "\(tabs)\nC1\t12\t1\t30.5\tbasic\tEU\t1\n")

        try eventually("refusal reported", timeout: 10) { daemon.log.contains("training file refused") }
        let reason = try #require(
            try fixture.dir.list("state/quarantine").first { $0.hasSuffix("tabs.csv.reason.txt") })
        let text = try fixture.dir.read("state/quarantine/\(reason)")
        #expect(text.hasPrefix("\(fixture.root)/watch/data/tabs.csv: line 1: header lacks required columns"))
        #expect(text.contains("looks like a tab-separated file; churnd reads comma-separated CSV"))
        #expect(text.contains("It was moved to \(fixture.root)/state/quarantine/\(reason.dropLast(11))."))
        #expect(try daemon.stop() == 0)
    }

    @Test func trainPrintsEveryRefusedFileWithItsReason() throws {
        let dir = try TemporaryDirectory("churnd-refused")
        try dir.write("semi.csv", (Self.columns + ",churn").replacingOccurrences(of: ",", with: ";") + "\n")
        try dir.write("short.csv", "customer_id,churn\nC1,1\n")

        let result = try Churnd.run(["train", "--data", "semi.csv", "short.csv"], in: dir.path)

        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "churnd: no usable training data: every file was refused")
        #expect(lines.contains { $0.hasPrefix("semi.csv: line 1: header lacks required columns") })
        #expect(result.stderr.contains("looks like a semicolon-separated file; churnd reads comma-separated CSV"))
        #expect(lines.contains { $0.hasPrefix("short.csv: line 1: header lacks required columns") })
    }

    @Test func scoringAPipeSeparatedFileSaysSo() throws {
        let dir = try TemporaryDirectory("churnd-pipe")
        try Churnd.run(["gen-data", "--rows", "1000", "--seed", "3", "-o", "train.csv"], in: dir.path)
        try SingleSplit.configure(dir.path)
        #expect(try Churnd.run(["train", "--data", "train.csv", "--out", "model"], in: dir.path).status == 0)
        try dir.write("pipes.csv", Self.columns.replacingOccurrences(of: ",", with: "|") + "\nC1|12|1|30.5|basic|EU\n")

        let result = try Churnd.run(["score", "pipes.csv", "--model", "model/model.json", "-o", "out"], in: dir.path)

        #expect(result.status == 1)
        #expect(result.stderr.contains("looks like a pipe-separated file; churnd reads comma-separated CSV"))
        let report = try dir.read("out/pipes.error.txt")
        #expect(report.hasPrefix("could not score this file: pipes.csv: line 1: "))
        #expect(report.hasSuffix("The input was not changed. Fix it and score it again.\n"))
    }
}
