import ChurnTestKit
import Foundation
import Testing

/// gen-data --interaction → train (both families) → score with the xgboost candidate, through the binary.
@Suite(.serialized)
struct XGBoostCLITests {
    @Test func anXGBoostCandidateIsWrittenWithItsBoosterAndScores() throws {
        let dir = try TemporaryDirectory()
        #expect(try Churnd.run(["init", "."], in: dir.path).status == 0)
        try dir.write("churnd.toml", SingleSplit.toml("[xgboost]\nnthread = 2\n"))
        let gen = try Churnd.run(
            ["gen-data", "--rows", "20000", "--seed", "21", "--interaction", "-o", "watch/data/a.csv"], in: dir.path)
        #expect(gen.status == 0, "\(gen.stderr)")

        let train = try Churnd.run(["train", "--json", "--out", "export"], in: dir.path)
        #expect(train.status == 0, "\(train.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as! [String: Any]
        #expect(summary["family"] as? String == "xgboost")
        let alternatives = summary["alternatives"] as! [[String: Any]]
        #expect(alternatives.map { $0["family"] as? String } == ["logistic_regression"])
        #expect(summary["version"] as? Int == 1)
        let model =
            try JSONSerialization.jsonObject(
                with: Data(try dir.read("state/models/churn_model/1/model.json").utf8)) as! [String: Any]
        let xgboost = model["xgboost"] as! [String: Any]
        #expect(try dir.read("export/model.xgb.json") == xgboost["booster"] as! String)
        #expect((xgboost["bestIteration"] as! Int) >= 0)

        let text = try Churnd.run(["train", "--force"], in: dir.path)
        #expect(text.stdout.contains("boosting rounds kept"))
        #expect(text.stdout.contains("family     logistic_regression"))
        // The xgboost champion is re-scored on the new candidate's test rows, not skipped as incomparable.
        #expect(text.stdout.contains(" vs "), "\(text.stdout)")
        #expect(!text.stdout.contains("by hand"), "\(text.stdout)")

        try dir.write(
            "inbox/c.csv",
            "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region\n"
                + "C1,3,2,30.5,premium,AF\nC2,x,1,20,basic,EU\nC3,40,0,50,basic,ZZ\n")
        let score = try Churnd.run(["score", "inbox/c.csv", "--passthrough"], in: dir.path)
        #expect(score.status == 0, "\(score.stderr)")
        let output = csvRows(try dir.read("outbox/c.scored.csv"))
        #expect(output.map { $0[0] } == ["customer_id", "C1", "C3"])
        #expect(output[1].count == 9 && output[1][4...] == ["3", "2", "30.5", "premium", "AF"])
        let p1 = try #require(Double(output[1][1])), p3 = try #require(Double(output[2][1]))
        #expect(p1 > p3)  // a premium first-year customer with complaints in AF against a calm long-timer
        #expect(csvRows(try dir.read("outbox/c.errors.csv")).dropFirst().map { $0[0] } == ["3"])

        // A family that is not xgboost leaves no stale booster file behind.
        try dir.write("churnd.toml", SingleSplit.toml("[training]\nfamilies = [\"logistic_regression\"]\n"))
        #expect(try Churnd.run(["train", "--out", "export"], in: dir.path).status == 0)
        #expect(dir.exists("export/model.json"))
        #expect(!dir.exists("export/model.xgb.json"))
    }
}
