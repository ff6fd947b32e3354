import ChurnCore
import ChurnTestKit
import Foundation
import Testing

/// Issue 11 item 5: drift reads the logs that exist. Lines of the Python lab's API (`"model_version":
/// "models:/churn_model@production"`, a model file name, or none) count for the version serving at their ts;
/// the rest are counted by reason; `churnd score` logs like the daemon.
@Suite(.serialized)
struct LabLogDriftTests {
    /// v1, then v2 promoted by hand; returns v2's artifact.
    static func twoVersions(_ root: String) throws -> ModelArtifact {
        try Churnd.run(["gen-data", "--rows", "2000", "--seed", "5", "-o", "v2.csv"], in: root)
        #expect(try Churnd.run(["train", "--data", "v2.csv"], in: root).status == 0)
        #expect(try Churnd.run(["promote", "2", "--reason", "second model"], in: root).status == 0)
        let path = "\(root)/state/models/churn_model/2/model.json"
        return try ModelArtifact.decode(Data(contentsOf: URL(fileURLWithPath: path)), path: path)
    }

    /// `rows` unlabeled rows from `churnd gen-data`, shifted when `shift` is given.
    static func rows(_ rows: Int, seed: Int, shift: String? = nil, in root: String) throws -> String {
        var arguments = ["gen-data", "--rows", "\(rows)", "--seed", "\(seed)", "--unlabeled"]
        if let shift { arguments += ["--shift", shift] }
        let result = try Churnd.run(arguments, in: root)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    @Test func labFormatLinesDriveTheDaemonsDriftAlert() throws {
        // Given v1 then v2 in production and a daemon checking every second,
        let fixture = try DaemonFixture(
            config: "[drift]\ninterval_seconds = 1\nlast_n = 400\nmin_records = 100\nsample_rows_per_file = 0\n")
        let root = fixture.root
        let v2 = try Self.twoVersions(root)
        let daemon = try fixture.start()

        // when the lab's API logs drifted predictions of what it serves (`@production`, now v2),
        let drifted = try Self.rows(400, seed: 12, shift: "num_complaints=2.4", in: root)
        try dropFile(
            "\(root)/watch/logs/api.jsonl",
            labPredictionLog(
                csv: drifted, artifact: v2, modelVersion: "models:/churn_model@production",
                ts: Date().timeIntervalSince1970))

        // then the daemon attributes them to v2, alerts and rolls production back to v1,
        try eventually("rollback to v1", timeout: 30) {
            let status =
                try JSONSerialization.jsonObject(
                    with: Data(try Churnd.run(["status", "--json"], in: root).stdout.utf8)) as? [String: Any]
            return status?["serving"] as? Int == 1
        }
        #expect(daemon.log.contains("drift alert: rolled production back from v2 to v1"), "\(daemon.log)")
        // and its journal line gives the counts of the lines it read.
        #expect(
            daemon.log.contains(
                "400 log lines read: 400 used for v2, 0 skipped; 400 attributed to a version by their ts"),
            "\(daemon.log)")
        #expect(try daemon.stop() == 0)
    }

    @Test func churndDriftCountsLabLinesAsUsedAndTheRestByReason() throws {
        // Given v1 then v2 in production,
        let dir = try TemporaryDirectory()
        try Churnd.run(["init", "."], in: dir.path)
        try SingleSplit.configure(dir.path)
        try Churnd.run(["gen-data", "--rows", "3000", "--seed", "1", "-o", "watch/data/a.csv"], in: dir.path)
        #expect(try Churnd.run(["train"], in: dir.path).status == 0)
        let v2 = try Self.twoVersions(dir.path)
        let now = Date().timeIntervalSince1970

        // and the lab's lines: 500 shifted ones naming `@production`, 20 naming a model file, 10 with no
        // model_version, and lines that cannot be attributed (written before any version served, without a ts,
        // naming another model),
        let shifted = try Self.rows(530, seed: 3, shift: "num_complaints=2.0", in: dir.path)
        let lines = labPredictionLog(
            csv: shifted, artifact: v2, modelVersion: "models:/churn_model@production", ts: now
        ).split(separator: "\n")
        var log = lines[0..<500].joined(separator: "\n") + "\n"
        log +=
            lines[500..<520].map { $0.replacingOccurrences(of: "models:/churn_model@production", with: "model_v2.pkl") }
            .joined(separator: "\n") + "\n"
        log +=
            lines[520..<530].map {
                $0.replacingOccurrences(of: "\"model_version\": \"models:/churn_model@production\", ", with: "")
            }.joined(separator: "\n") + "\n"
        let calm = try Self.rows(60, seed: 4, in: dir.path)
        log += labPredictionLog(csv: calm, artifact: v2, modelVersion: "models:/churn_model@production", ts: 1000)
        log += labPredictionLog(
            csv: try Self.rows(7, seed: 5, in: dir.path), artifact: v2, modelVersion: "model_v2.pkl", ts: nil)
        log += labPredictionLog(
            csv: try Self.rows(3, seed: 6, in: dir.path), artifact: v2, modelVersion: "models:/fraud_model/1", ts: now)
        try dir.write("watch/logs/api.jsonl", log)

        // when `churnd drift` checks production,
        let result = try Churnd.run(["drift"], in: dir.path)
        print("churnd drift on a lab-format log:\n\(result.stdout)")

        // then the lab's lines are used for v2 and drive the alert, and the others are counted by reason.
        #expect(result.status == 1)
        #expect(result.stdout.contains("\nDRIFT: num_complaints"), "\(result.stdout)")  // after the page's path
        #expect(result.stdout.contains("(500 records of v2)"), "\(result.stdout)")
        #expect(
            result.stdout.contains(
                "600 log lines read: 500 used for v2, 30 not used (other versions, shadow lines or older than the "
                    + "window), 70 skipped; 530 attributed to a version by their ts"), "\(result.stdout)")
        #expect(result.stdout.contains("skipped 60 log lines: no version was at production at the line's ts"))
        #expect(
            result.stdout.contains("skipped 7 log lines: model_version is not a version number and the line has no ts"))
        #expect(result.stdout.contains("skipped 3 log lines: model_version names another model (fraud_model)"))
        #expect(!result.stdout.contains("warning:"))
        let json =
            try JSONSerialization.jsonObject(
                with: Data(try Churnd.run(["drift", "--json"], in: dir.path).stdout.utf8)) as? [String: Any]
        let counts = json?["lines"] as? [String: Any]
        #expect(counts?["read"] as? Int == 600 && counts?["used"] as? Int == 500)

        // `status` and the report page say the same of the newest check.
        let status = try Churnd.run(["status"], in: dir.path).stdout
        #expect(status.contains("drift     last check at "), "\(status)")
        #expect(status.contains("600 log lines read: 500 used for v2"), "\(status)")
        let pages = try FileManager.default.contentsOfDirectory(atPath: "\(dir.path)/state/reports")
            .filter { $0.hasSuffix(".html") }
        #expect(!pages.isEmpty)
        for page in pages {
            #expect(try dir.read("state/reports/\(page)").contains("600 log lines read: 500 used for v2"))
        }
    }

    @Test func aCheckWithNothingUsableSaysWhy() throws {
        // Given a model and only lab lines written before it served (or without a ts),
        let dir = try TemporaryDirectory()
        try Churnd.run(["init", "."], in: dir.path)
        try SingleSplit.configure(dir.path)
        try Churnd.run(["gen-data", "--rows", "3000", "--seed", "1", "-o", "watch/data/a.csv"], in: dir.path)
        #expect(try Churnd.run(["train"], in: dir.path).status == 0)
        let path = "\(dir.path)/state/models/churn_model/1/model.json"
        let v1 = try ModelArtifact.decode(Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        let rows = try Self.rows(200, seed: 3, in: dir.path)
        try dir.write(
            "watch/logs/api.jsonl",
            labPredictionLog(csv: rows, artifact: v1, modelVersion: "models:/churn_model@production", ts: 1000)
                + "not json\n")

        // when `churnd drift` runs, it does not only say "not enough data": it says why.
        let result = try Churnd.run(["drift"], in: dir.path)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("ok: not enough data: 0 records"), "\(result.stdout)")
        #expect(result.stdout.contains("201 log lines read: 0 used for v1, 201 skipped"), "\(result.stdout)")
        #expect(result.stdout.contains("skipped 200 log lines: no version was at production at the line's ts"))
        #expect(
            result.stdout.contains(
                "warning: none of the 201 log lines could be used: every one was skipped (reasons above)"),
            "\(result.stdout)")
    }

    @Test func churndScoreAppendsItsSampleToThePredictionLog() throws {
        let dir = try TemporaryDirectory()
        try Churnd.run(["init", "."], in: dir.path)
        try SingleSplit.configure(dir.path)
        try dir.write("churnd.toml", SingleSplit.toml("[drift]\nsample_rows_per_file = 150\n"))
        try Churnd.run(["gen-data", "--rows", "3000", "--seed", "1", "-o", "watch/data/a.csv"], in: dir.path)
        #expect(try Churnd.run(["train"], in: dir.path).status == 0)
        try dir.write("customers.csv", try Self.rows(400, seed: 2, in: dir.path))

        // `churnd score` logs a sample of 150 rows, with the version and the file they were scored for,
        let scored = try Churnd.run(["score", "customers.csv"], in: dir.path)
        #expect(scored.status == 0, "\(scored.stderr)")
        #expect(scored.stdout.contains("logged 150 sampled rows → "), "\(scored.stdout)")
        let log = "watch/logs/churnd-predictions.jsonl"
        let records = try dir.read(log).split(separator: "\n").map { try PredictionRecord.parse($0) }
        #expect(records.count == 150)
        #expect(records.allSatisfy { $0.modelVersion == "1" && $0.file == "customers.csv" && $0.timestamp > 0 })
        let ids = Set(csvRows(try dir.read("outbox/customers.scored.csv")).dropFirst().map { $0[0] })
        #expect(records.allSatisfy { ids.contains($0.requestID) })

        // `--no-log` leaves the log alone,
        #expect(try Churnd.run(["score", "customers.csv", "--no-log"], in: dir.path).status == 0)
        #expect(try dir.read(log).split(separator: "\n").count == 150)

        // a model file that is not a registered version is not logged (its lines could not be told apart),
        let artifact = try ModelArtifact.decode(
            Data(try dir.read("state/models/churn_model/1/model.json").utf8), path: "v1")
        var unregistered = artifact
        unregistered.version = nil
        try dir.write("loose.json", String(decoding: try unregistered.encoded(), as: UTF8.self))
        let loose = try Churnd.run(["score", "customers.csv", "--model", "loose.json"], in: dir.path)
        #expect(loose.stdout.contains("not added to the prediction log: the model is not a registered version"))
        #expect(try dir.read(log).split(separator: "\n").count == 150)

        // and `churnd drift` uses the logged lines.
        let drift = try Churnd.run(["drift"], in: dir.path)
        #expect(drift.stdout.contains("150 log lines read: 150 used for v1, 0 skipped"), "\(drift.stdout)")
    }
}
