import ChurnTestKit
import Foundation
import Testing

/// gen-data → train → score through the built binary, outputs checked row by row.
@Suite(.serialized)
struct CLITests {
    @Test func generateTrainAndScore() throws {
        let dir = try TemporaryDirectory()
        #expect(try Churnd.run(["init", "."], in: dir.path).status == 0)
        #expect(dir.exists("churnd.toml") && dir.exists("inbox") && dir.exists("watch/data"))
        try SingleSplit.configure(dir.path)
        #expect(
            try Churnd.run(["gen-data", "--rows", "20000", "--seed", "4", "-o", "watch/data/a.csv"], in: dir.path)
                .status == 0)

        let train = try Churnd.run(["train", "--json"], in: dir.path)
        #expect(train.status == 0, "\(train.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as! [String: Any]
        let metrics = summary["metrics"] as! [String: Any]
        #expect((metrics["f1"] as! Double) > 0.68)
        #expect(summary["eligible"] as! Bool)
        #expect(summary["decision"] as? String == "promoted")
        #expect(summary["version"] as? Int == 1)
        #expect(dir.exists("state/models/churn_model/1/model.json"))

        #expect(
            try Churnd.run(
                ["gen-data", "--rows", "500", "--seed", "5", "--unlabeled", "-o", "inbox/c.csv"], in: dir.path
            ).status == 0)
        let score = try Churnd.run(["score", "inbox/c.csv"], in: dir.path)
        #expect(score.status == 0, "\(score.stderr)")
        let input = csvRows(try dir.read("inbox/c.csv"))
        let output = csvRows(try dir.read("outbox/c.scored.csv"))
        #expect(output.first == ["customer_id", "churn_probability", "churn_prediction", "model_version"])
        #expect(output.count == input.count)
        let model =
            try JSONSerialization.jsonObject(with: Data(try dir.read("state/models/churn_model/1/model.json").utf8))
            as! [String: Any]
        let threshold = model["threshold"] as! Double
        for (inRow, outRow) in zip(input.dropFirst(), output.dropFirst()) {
            #expect(outRow[0] == inRow[0])
            let p = try #require(Double(outRow[1]))
            #expect(p > 0 && p < 1)
            #expect(outRow[1].split(separator: ".").last?.count == 6)
            #expect(outRow[2] == (p >= threshold ? "1" : "0"))
            #expect(outRow[3] == "1")
        }
        #expect(!dir.exists("outbox/c.errors.csv"))

        // Scoring again never overwrites: the next suffix is used. A model file outside the registry still scores.
        #expect(
            try Churnd.run(["score", "inbox/c.csv", "--model", "state/models/churn_model/1/model.json"], in: dir.path)
                .status == 0)
        #expect(try dir.read("outbox/c-1.scored.csv") == dir.read("outbox/c.scored.csv"))
        #expect(try dir.list("outbox").filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test func gendataIsDeterministicAndFast() throws {
        let dir = try TemporaryDirectory()
        try Churnd.run(["gen-data", "--rows", "1000", "--seed", "9", "-o", "a.csv"], in: dir.path)
        try Churnd.run(["gen-data", "--rows", "1000", "--seed", "9", "-o", "b.csv"], in: dir.path)
        #expect(try dir.read("a.csv") == dir.read("b.csv"))
        #expect(try dir.read("a.csv").split(separator: "\n").count == 1001)
    }

    @Test func usageErrorsExitWithTwo() throws {
        let dir = try TemporaryDirectory()
        #expect(try Churnd.run(["gen-data", "--rows", "-1"], in: dir.path).status == 2)
        #expect(try Churnd.run(["gen-data", "--shift", "colour=red"], in: dir.path).status == 2)
        #expect(try Churnd.run(["frobnicate"], in: dir.path).status == 2)
        let train = try Churnd.run(["train"], in: dir.path)
        #expect(train.status == 2)
        #expect(train.stderr.contains("no training data"))
    }

    @Test func aRefusedTrainingFileIsReportedAndTheOthersStillTrain() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(dir.path)/watch/data", withIntermediateDirectories: true)
        try Churnd.run(["gen-data", "--rows", "3000", "--seed", "1", "-o", "watch/data/good.csv"], in: dir.path)
        try SingleSplit.configure(dir.path)
        try dir.write(
            "watch/data/bad.csv",
            "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region,churn\nC1,ten,1,3.5,basic,EU,1\n"
        )
        let train = try Churnd.run(["train"], in: dir.path)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("bad.csv: refused for training"))
        #expect(train.stderr.contains("line 2, column tenure_months: \"ten\" is not a number"))
        #expect(train.stdout.contains("from 1 file"))
    }

    @Test func aBadConfigNamesTheKeyAndLine() throws {
        let dir = try TemporaryDirectory()
        try dir.write("churnd.toml", "[training]\nseed = 1\nsplit = 3\n")
        let result = try Churnd.run(["train"], in: dir.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("churnd.toml:3: training.split: unknown key"))
    }
}
