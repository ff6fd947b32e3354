import ChurnCore
import ChurnTestKit
import Foundation
import Testing

/// Inputs are checked as the Python lab's API did, through the built binary: bounds make row errors, case and
/// padding are normalised, in `churnd score` and in the daemon alike; a model trained before normalisation
/// existed scores as it always did.
@Suite(.serialized)
struct InputChecksEndToEndTests {
    static let input = """
        customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region
        A,12,1,30.5,premium,EU
        B,12,1,30.5,PREMIUM,EU
        C,12,1,30.5,premium," eu "
        D,-5,1,30.5,basic,EU
        E,9999,1,30.5,basic,EU
        F,12,1,30.5,gold,EU

        """
    static let expectedErrors = """
        line,column,value,reason
        5,tenure_months,-5,below the minimum 0
        6,tenure_months,9999,above the maximum 200

        """

    /// Probability by customer id.
    func probabilities(_ scoredCSV: String) -> [String: String] {
        var result: [String: String] = [:]
        for row in csvRows(scoredCSV).dropFirst() where row.count >= 2 { result[row[0]] = row[1] }
        return result
    }

    @Test func scoreRefusesRowsOutOfBoundsAndNormalisesLevels() throws {
        // Given a root made by `churnd init` (the lab's checks) and a model trained there,
        let dir = try TemporaryDirectory()
        #expect(try Churnd.run(["init", "."], in: dir.path).status == 0)
        try SingleSplit.configure(dir.path)
        try Churnd.run(["gen-data", "--rows", "3000", "--seed", "1", "-o", "train.csv"], in: dir.path)
        let labeled = try dir.read("train.csv") + "X1,-5,1,30.5,basic,EU,1\nX2,12,99,30.5,basic,EU,0\n"
        try dir.write("train.csv", labeled)
        let train = try Churnd.run(["train", "--data", "train.csv"], in: dir.path)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(
            train.stderr.contains("train.csv: left out 2 rows with a value outside [schema.bounds]"), "\(train.stderr)")
        #expect(train.stdout.contains("on 3,000 rows"), "\(train.stdout)")
        try dir.write("input.csv", Self.input)

        // when a file with out-of-range and mis-cased values is scored,
        let result = try Churnd.run(["score", "input.csv", "-o", "out"], in: dir.path)

        // then the rows out of bounds are row errors with line, column, value and reason, never scored,
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("scored 4 of 6 rows"), "\(result.stdout)")
        #expect(result.stdout.contains("2 rows rejected (2 problems)"), "\(result.stdout)")
        #expect(
            result.stdout.contains("rows with levels unseen in training (scored as all zeros): plan_type 1"),
            "\(result.stdout)")
        #expect(try dir.read("out/input.errors.csv") == Self.expectedErrors)
        // and PREMIUM / " eu " score exactly like premium / EU.
        let p = probabilities(try dir.read("out/input.scored.csv"))
        #expect(Set(p.keys) == ["A", "B", "C", "F"])
        #expect(p["A"] == p["B"] && p["A"] == p["C"], "\(p)")
        #expect(p["F"] != p["A"])
    }

    @Test func theDaemonRefusesRowsOutOfBoundsAndCountsUnseenLevels() throws {
        let checks = """
            [schema.bounds]
            tenure_months = [0, 200]
            num_complaints = [0, 50]
            avg_session_minutes = [0, 500]
            [schema.normalize]
            plan_type = "lower"
            region = "upper"

            """
        let fixture = try DaemonFixture(config: checks)
        let daemon = try fixture.start()
        try dropFile("\(fixture.root)/inbox/input.csv", Self.input)
        try eventually("input.csv scored", timeout: 30) { fixture.scored() == ["input.scored.csv"] }
        try eventually("its errors published", timeout: 10) { fixture.outbox().contains("input.errors.csv") }
        #expect(try fixture.dir.read("outbox/input.errors.csv") == Self.expectedErrors)
        let p = probabilities(try fixture.dir.read("outbox/input.scored.csv"))
        #expect(Set(p.keys) == ["A", "B", "C", "F"])
        #expect(p["A"] == p["B"] && p["A"] == p["C"], "\(p)")
        try eventually("the journal line", timeout: 10) { daemon.log.contains("file scored") }
        let line = daemon.log.split(separator: "\n").first { $0.contains("file scored") } ?? ""
        #expect(line.contains("errors=2") && line.contains("unseen_levels=\"plan_type 1\""), "\(line)")
        #expect(try daemon.stop() == 0)
    }

    @Test func aModelTrainedWithoutNormalisationScoresExactlyAsBefore() throws {
        // Given a model trained where no checks were configured (the file format of older churnd),
        let dir = try TemporaryDirectory()
        try dir.write("churnd.toml", SingleSplit.toml(""))
        try Churnd.run(["gen-data", "--rows", "3000", "--seed", "1", "-o", "train.csv"], in: dir.path)
        #expect(try Churnd.run(["train", "--data", "train.csv", "--out", "old"], in: dir.path).status == 0)
        #expect(try !dir.read("old/model.json").contains("normalize"))
        try dir.write("input.csv", Self.input)
        let before = try Churnd.run(["score", "input.csv", "--model", "old/model.json", "-o", "before"], in: dir.path)
        #expect(before.status == 0, "\(before.stderr)")

        // when the lab's checks are configured afterwards,
        try dir.write("churnd.toml", Config.defaultTOML)
        let after = try Churnd.run(["score", "input.csv", "--model", "old/model.json", "-o", "after"], in: dir.path)
        #expect(after.status == 0, "\(after.stderr)")

        // then bounds apply (they check inputs), but the model matches levels as it always did:
        #expect(try dir.read("after/input.errors.csv") == Self.expectedErrors)
        let old = probabilities(try dir.read("before/input.scored.csv"))
        let now = probabilities(try dir.read("after/input.scored.csv"))
        for id in ["A", "B", "C", "F"] { #expect(now[id] == old[id], "\(id)") }
        #expect(old["B"] == old["F"] && old["B"] != old["A"], "PREMIUM is no level of this model: \(old)")
        #expect(after.stdout.contains("plan_type 2, region 1"), "\(after.stdout)")
    }

    @Test func oneUnseenValueInTheLogsIsReportedButDoesNotAlert() throws {
        // A training split large enough that one unseen value in 500 is "significant" on its own.
        let dir = try TemporaryDirectory()
        try Churnd.run(["init", "."], in: dir.path)
        try dir.write(
            "churnd.toml",
            Config.defaultTOML.replacingOccurrences(
                of: "families = [\"logistic_regression\", \"xgboost\"]", with: "families = [\"logistic_regression\"]"))
        try Churnd.run(["gen-data", "--rows", "20000", "--seed", "1", "-o", "watch/data/a.csv"], in: dir.path)
        try SingleSplit.configure(dir.path)
        #expect(try Churnd.run(["train"], in: dir.path).status == 0)
        let artifactPath = "state/models/churn_model/1/model.json"
        let artifact = try ModelArtifact.decode(Data(try dir.read(artifactPath).utf8), path: artifactPath)
        var plain = Generator()
        plain.labeled = false
        try writePredictionLog(
            "\(dir.path)/watch/logs/a.jsonl", generator: plain, rows: 499, seed: 2, artifact: artifact)
        let odd = PredictionRecord(
            requestID: "odd", modelVersion: "1", prediction: 1, probability: 0.6,
            features: [
                "tenure_months": .number(12), "num_complaints": .number(1), "avg_session_minutes": .number(30),
                "plan_type": .text("platinum"), "region": .text("EU"),
            ], timestamp: 500)
        var bytes: [UInt8] = []
        var writer = ByteWriter { bytes.append(contentsOf: $0) }
        try odd.write(to: &writer)
        try writer.flush()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dir.path)/watch/logs/a.jsonl"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
        try handle.close()

        let result = try Churnd.run(["drift"], in: dir.path)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("ok: no drift (plan_type level mix has p"), "\(result.stdout)")
        #expect(
            result.stdout.contains("plan_type levels: p ") && result.stdout.contains("below the floor, no drift"),
            "\(result.stdout)")
        let json = try Churnd.run(["drift", "--json"], in: dir.path)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let tests = report["tests"] as! [[String: Any]]
        let plan = try #require(tests.first { $0["feature"] as? String == "plan_type" })
        #expect(plan["minEffect"] as? Double == 0.05 && (plan["effect"] as? Double ?? 1) < 0.05)
        #expect(plan["drifted"] as? Bool == false)
    }
}
