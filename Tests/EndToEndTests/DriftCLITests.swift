import ChurnCore
import ChurnTestKit
import Foundation
import Testing

@Suite(.serialized)
struct DriftCLITests {
    /// Writes `rows` prediction-log lines drawn from `generator`, scored by `artifact`.
    func writeLog(_ path: String, generator: Generator, rows: Int, seed: UInt64, artifact: ModelArtifact, extra: String = "") throws {
        let scorer = Scorer(artifact: artifact, versionLabel: artifact.versionLabel(fallback: "unregistered"))
        var sampler = Generator.Sampler(generator, seed: seed)
        var bytes: [UInt8] = Array(extra.utf8)
        var writer = ByteWriter { bytes.append(contentsOf: $0) }
        for k in 0..<rows {
            let row = sampler.next()
            let plan = generator.plans[row.plan].level, region = generator.regions[row.region].level
            let p = scorer.probability(
                numeric: [Double(row.tenure), Double(row.complaints), row.session], categorical: [plan, region])
            let record = PredictionRecord(
                requestID: "r\(k)", modelVersion: scorer.versionLabel, prediction: p >= 0.5 ? 1 : 0, probability: p,
                features: [
                    "tenure_months": .number(Double(row.tenure)), "num_complaints": .number(Double(row.complaints)),
                    "avg_session_minutes": .number(row.session), "plan_type": .text(plan), "region": .text(region),
                ], timestamp: Double(k))
            try record.write(to: &writer)
        }
        try writer.flush()
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func checksLogsAgainstTheModelAndWritesReports() throws {
        let dir = try TemporaryDirectory()
        try Churnd.run(["init", "."], in: dir.path)
        try Churnd.run(["gen-data", "--rows", "5000", "--seed", "1", "-o", "watch/data/a.csv"], in: dir.path)
        #expect(try Churnd.run(["train"], in: dir.path).status == 0)
        let artifactPath = "state/models/churn_model/1/model.json"
        let artifact = try ModelArtifact.decode(Data(try dir.read(artifactPath).utf8), path: artifactPath)
        var plain = Generator()
        plain.labeled = false
        try writeLog("\(dir.path)/watch/logs/a.jsonl", generator: plain, rows: 600, seed: 2, artifact: artifact,
                     extra: "not json\n{\"probability\": 0.5, \"features\": {\"tenure_months\": \"x\"}}\n")

        let calm = try Churnd.run(["drift"], in: dir.path)
        #expect(calm.status == 0, "\(calm.stdout)\(calm.stderr)")
        #expect(calm.stdout.hasPrefix("ok: no drift"))
        #expect(calm.stdout.contains("skipped 1 log line: not JSON"))
        #expect(try dir.list("state/reports").filter { $0.hasSuffix(".json") }.count == 1)

        var shifted = plain
        try shifted.apply(shift: "num_complaints=2.0")
        try writeLog("\(dir.path)/watch/logs/b.log", generator: shifted, rows: 500, seed: 3, artifact: artifact)
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
        try Churnd.run(["gen-data", "--rows", "3000", "--seed", "1", "-o", "watch/data/a.csv"], in: dir.path)
        try Churnd.run(["train"], in: dir.path)
        let result = try Churnd.run(["drift"], in: dir.path)
        #expect(result.status == 0)
        #expect(result.stdout.contains("not enough data"))
    }
}
