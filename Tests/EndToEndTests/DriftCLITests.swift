import ChurnCore
import ChurnTestKit
import Foundation
import Testing

@Suite(.serialized)
struct DriftCLITests {
    @Test func checksLogsAgainstTheModelAndWritesReports() throws {
        let dir = try TemporaryDirectory()
        try Churnd.run(["init", "."], in: dir.path)
        try SingleSplit.configure(dir.path)
        try Churnd.run(["gen-data", "--rows", "5000", "--seed", "1", "-o", "watch/data/a.csv"], in: dir.path)
        #expect(try Churnd.run(["train"], in: dir.path).status == 0)
        let artifactPath = "state/models/churn_model/1/model.json"
        let artifact = try ModelArtifact.decode(Data(try dir.read(artifactPath).utf8), path: artifactPath)
        var plain = Generator()
        plain.labeled = false
        try writePredictionLog(
            "\(dir.path)/watch/logs/a.jsonl", generator: plain, rows: 600, seed: 2, artifact: artifact,
            extra: "not json\n{\"probability\": 0.5, \"features\": {\"tenure_months\": \"x\"}}\n")

        let calm = try Churnd.run(["drift"], in: dir.path)
        #expect(calm.status == 0, "\(calm.stdout)\(calm.stderr)")
        #expect(calm.stdout.hasPrefix("ok: no drift"))
        #expect(calm.stdout.contains("skipped 1 log line: not JSON"))
        #expect(try dir.list("state/reports").filter { $0.hasSuffix(".json") }.count == 1)

        var shifted = plain
        try shifted.apply(shift: "num_complaints=2.0")
        try writePredictionLog(
            "\(dir.path)/watch/logs/b.log", generator: shifted, rows: 500, seed: 3, artifact: artifact)
        let alert = try Churnd.run(["drift", "--json"], in: dir.path)
        #expect(alert.status == 1)
        let report = try JSONSerialization.jsonObject(with: Data(alert.stdout.utf8)) as! [String: Any]
        #expect(report["alert"] as? Bool == true)
        #expect((report["reason"] as? String)?.contains("num_complaints") == true)
        #expect(try dir.list("state/reports").contains { $0.hasSuffix(".html") })
    }

    @Test func emptyLogsMeanNotEnoughDataAndNoAlert() throws {
        let dir = try TemporaryDirectory()
        try Churnd.run(["init", "."], in: dir.path)
        try SingleSplit.configure(dir.path)
        try Churnd.run(["gen-data", "--rows", "3000", "--seed", "1", "-o", "watch/data/a.csv"], in: dir.path)
        try Churnd.run(["train"], in: dir.path)
        let result = try Churnd.run(["drift"], in: dir.path)
        #expect(result.status == 0)
        #expect(result.stdout.contains("not enough data"))
    }
}
