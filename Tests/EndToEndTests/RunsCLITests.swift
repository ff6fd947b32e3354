import ChurnTestKit
import Foundation
import Testing

/// `churnd runs` and the counts `churnd status` gives, through the built binary.
@Suite(.serialized)
struct RunsCLITests {
    @Test func runsListsEveryRunNewestFirstAndStatusCountsAddUp() throws {
        let dir = try TemporaryDirectory()
        try dir.generate("a.csv", rows: 500, seed: 3)
        try dir.write("bad.csv", "x;y\n1;2\n")
        try SingleSplit.configure(dir.path)
        #expect(try Churnd.run(["runs"], in: dir.path).stdout.hasPrefix("no training runs of churn_model yet"))
        // The second run learns from the same file again: only --force trains it.
        for arguments in [["a.csv"], ["a.csv", "--force"], ["bad.csv"]] {
            _ = try Churnd.run(["train", "--data"] + arguments, in: dir.path)
        }

        // Given v1 promoted, v2 kept and a failed run, each chosen model with the family it beat (not_selected):
        let json = try RegistryCLITests.json(try Churnd.run(["runs", "--json"], in: dir.path).stdout)
        #expect(json["model"] as? String == "churn_model")
        let runs = try #require(json["runs"] as? [[String: Any]])
        #expect(
            runs.map { $0["outcome"] as? String } == ["failed", "kept", "not_selected", "promoted", "not_selected"])
        #expect(runs.map { $0["id"] as? Int } == [5, 4, 3, 2, 1])
        #expect(runs.map { $0["version"] as? Int } == [nil, 2, nil, 1, nil])
        #expect(
            runs.map { $0["family"] as? String } == [
                nil, "logistic_regression", "xgboost", "logistic_regression", "xgboost",
            ])
        #expect(runs.map { $0["rows"] as? Int } == [0, 500, 500, 500, 500])
        #expect(runs.dropFirst().allSatisfy { ($0["testF1"] as? Double).map { $0 > 0.5 && $0 < 1 } == true })
        let keys: Set<String> = [
            "id", "startedAt", "finishedAt", "seconds", "actor", "outcome", "version", "championVersion", "family",
            "rows", "testF1", "cvF1Mean", "cvF1Std", "testRocAUC", "threshold", "inputs", "refusedFiles", "reason",
            "churndVersion", "crossValidation",
        ]
        #expect(runs.allSatisfy { Set($0.keys) == keys }, "\(runs.map(\.keys))")
        let inputs = try #require(runs[1]["inputs"] as? [[String: Any]])
        #expect(inputs.count == 1 && inputs[0]["path"] as? String == "a.csv" && inputs[0]["rows"] as? Int == 500)
        #expect((inputs[0]["sha256"] as? String)?.count == 64)
        #expect((runs[0]["inputs"] as? [Any])?.isEmpty == true)
        #expect((runs[0]["refusedFiles"] as? [String])?.first?.hasPrefix("bad.csv: line 1: header lacks") == true)
        #expect((runs[0]["reason"] as? String)?.contains("no usable training data") == true)
        #expect(runs[1]["championVersion"] as? Int == 1)
        #expect((runs[1]["reason"] as? String)?.hasPrefix("kept v1 in production: v2 has F1 ") == true)
        #expect(runs.allSatisfy { ($0["startedAt"] as? String)?.hasSuffix("Z") == true && $0["seconds"] is Double })

        // --limit keeps the newest.
        let limited = try RegistryCLITests.json(
            try Churnd.run(["runs", "--limit", "2", "--json"], in: dir.path).stdout)
        #expect((limited["runs"] as? [[String: Any]])?.map { $0["id"] as? Int } == [5, 4])
        let usage = try Churnd.run(["runs", "--limit", "0"], in: dir.path)
        #expect(usage.status == 2 && usage.stderr.contains("--limit must be 1 or more"), "\(usage.stderr)")

        // The table: a header and one line per run, in the same order.
        let lines = try Churnd.run(["runs"], in: dir.path).stdout.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[0].hasPrefix("#  STARTED") && lines[0].hasSuffix("FILES  SECONDS  REASON"))
        let kept = lines[2].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        #expect(kept.count > 9 && kept[0] == "4" && Array(kept[3...6]) == ["kept", "v2", "logistic_regression", "500"])
        // No CV F1 ("–": trained on the single validation split), then test F1 and the file.
        #expect(kept.count > 9 && kept[7] == "–" && kept[8].count == 6 && kept[9] == "a.csv", "\(kept)")
        #expect(
            lines[1].hasPrefix("5  ") && lines[1].contains(" failed ") && lines[1].contains("no usable training data"))
        #expect(try Churnd.run(["runs", "--limit", "1"], in: dir.path).stdout.split(separator: "\n").count == 2)

        // status: the outcomes add up to the runs, the other families are counted apart.
        let status = try RegistryCLITests.json(try Churnd.run(["status", "--json"], in: dir.path).stdout)
        let counts = try #require(status["runs"] as? [String: Int])
        #expect(counts == ["total": 3, "promoted": 1, "kept": 1, "refused": 0, "failed": 1])
        #expect(counts.filter { $0.key != "total" }.values.reduce(0, +) == counts["total"])
        #expect(status["otherFamilies"] as? Int == 2)
        let text = try Churnd.run(["status"], in: dir.path).stdout
        #expect(
            text.contains(
                "counts    2 versions · 3 training runs (1 promoted, 1 kept, 1 failed); 2 other families recorded"),
            "\(text)")
    }

    @Test func aCrossValidatedRunIsPrintedAndRecordedAndALargeOneIsNot() throws {
        let dir = try TemporaryDirectory()
        try dir.generate("a.csv", rows: 1000, seed: 4)
        // When churnd train cross-validates (1,000 rows are below cv_max_rows) ...
        let train = try Churnd.run(["train", "--data", "a.csv"], in: dir.path)
        #expect(train.status == 0, "\(train.stderr)")
        let text = train.stdout
        #expect(
            text.contains("split      train + validation 800 (5-fold cross-validation, then refit on all"), "\(text)")
        #expect(text.contains("  cross-val  5-fold CV F1 0."), "\(text)")
        #expect(text.contains("  settings   "), "\(text)")
        #expect(text.contains("  search     tried "), "\(text)")
        #expect(text.contains("best F1 on the out-of-fold predictions"), "\(text)")
        // ... --json, the registry's runs and `churnd runs` carry the same report.
        let summary = try RegistryCLITests.json(
            try Churnd.run(["train", "--data", "a.csv", "--force", "--json"], in: dir.path).stdout)
        let cv = try #require(summary["crossValidation"] as? [String: Any])
        #expect(cv["folds"] as? Int == 5 && cv["rows"] as? Int == 800)
        #expect((cv["foldF1"] as? [Double])?.count == 5)
        #expect(((cv["tried"] as? [[String: Any]])?.count ?? 0) >= 1)
        let runs = try #require(
            try RegistryCLITests.json(try Churnd.run(["runs", "--json"], in: dir.path).stdout)["runs"]
                as? [[String: Any]])
        #expect(runs.count == 4)
        for run in runs {
            let report = try #require(run["crossValidation"] as? [String: Any])
            #expect(run["cvF1Mean"] as? Double == report["f1Mean"] as? Double)
            #expect((run["cvF1Std"] as? Double).map { $0 > 0 && $0 < 0.2 } == true)
            let chosen = try #require(report["chosen"] as? [String: Any])
            #expect(chosen["family"] as? String == run["family"] as? String)
        }
        let table = try Churnd.run(["runs"], in: dir.path).stdout
        #expect(table.split(separator: "\n").dropFirst().allSatisfy { $0.contains(" ± 0.") }, "\(table)")

        // Above cv_max_rows the single validation split is used and nothing is recorded.
        try dir.write("churnd.toml", "[training]\ncv_max_rows = 100\n")
        let single = try Churnd.run(["train", "--data", "a.csv", "--force"], in: dir.path)
        #expect(single.stdout.contains("split      train 600 · validation 200 · test 200"), "\(single.stdout)")
        #expect(!single.stdout.contains("cross-val"))
        let latest = try #require(
            try RegistryCLITests.json(try Churnd.run(["runs", "--json", "--limit", "1"], in: dir.path).stdout)["runs"]
                as? [[String: Any]])
        #expect(latest.first?["crossValidation"] is NSNull && latest.first?["cvF1Mean"] is NSNull)
    }
}
