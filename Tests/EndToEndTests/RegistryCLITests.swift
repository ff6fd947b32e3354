import ChurnTestKit
import Foundation
import Synchronization
import Testing

/// The registry through the built binary: the promotion scenario, the commands' JSON, refusals, and two
/// processes racing alias moves on one SQLite file.
@Suite(.serialized)
struct RegistryCLITests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @discardableResult
    static func run(_ arguments: [String], in dir: TemporaryDirectory, expect status: Int32 = 0) throws -> Churnd.Result
    {
        let result = try Churnd.run(arguments, in: dir.path)
        #expect(result.status == status, "churnd \(arguments.joined(separator: " ")): \(result.stderr)")
        return result
    }

    @Test func trainPromoteRollbackScenario() throws {
        let dir = try TemporaryDirectory()
        try Self.run(["gen-data", "--rows", "500", "--seed", "3", "-o", "small.csv"], in: dir)
        try Self.run(["gen-data", "--rows", "50000", "--seed", "2", "-o", "big.csv"], in: dir)
        try SingleSplit.configure(dir.path)

        // v1: the first eligible model is promoted.
        let v1 = try Self.json(try Self.run(["train", "--data", "small.csv", "--json"], in: dir).stdout)
        #expect(v1["decision"] as? String == "promoted" && v1["version"] as? Int == 1)

        // v2: the same data gives the same model: registered, not promoted, and the reason is recorded.
        let v2 = try Self.run(["train", "--data", "small.csv", "--force"], in: dir).stdout
        let f1 = String(format: "%.4f", try #require((v1["metrics"] as? [String: Any])?["f1"] as? Double))
        #expect(
            v2.hasSuffix(
                "kept v1 in production: v2 has F1 \(f1) vs \(f1) on 100 test rows, a gain of 0.0000, below the 0.0050 "
                    + "required\n"))

        // v3: a hundred times more data is a real improvement.
        let v3 = try Self.json(try Self.run(["train", "--data", "big.csv", "--json"], in: dir).stdout)
        #expect(v3["decision"] as? String == "promoted" && v3["version"] as? Int == 3, "\(v3["summary"] ?? "")")
        let summary = try #require(v3["summary"] as? String)
        #expect(summary.hasPrefix("promoted v3 to production: F1 0."))
        #expect(summary.contains(" on 10,000 test rows, gain holds in "))
        #expect(summary.hasSuffix("% of 1,000 bootstrap resamples"))

        // Rollback goes to the version that served before; a second rollback has nowhere to go.
        #expect(try Self.run(["rollback"], in: dir).stdout.hasPrefix("rolled back production from v3 to v1"))
        let refused = try Self.run(["rollback"], in: dir, expect: 1)
        #expect(
            refused.stderr.hasPrefix(
                "churnd: no earlier production version to roll back to: production has been v1 and v3, and v3 was "
                    + "rolled back from; use churnd promote VERSION or churnd rollback VERSION (versions are 1–3)"))
        try Self.run(["promote", "3", "--reason", "v3 checked by hand"], in: dir)

        // The audit log has every move, newest first, with actor and reason.
        let history = try Self.json(try Self.run(["history", "--alias", "production", "--json"], in: dir).stdout)
        let events = try #require(history["events"] as? [[String: Any]])
        #expect(events.map { $0["to"] as? Int } == [3, 1, 3, 1])
        #expect(events.map { $0["from"] as? Int } == [1, 3, 1, nil])
        #expect(events.map { $0["kind"] as? String } == ["promote", "rollback", "promote", "promote"])
        #expect(events[0]["reason"] as? String == "v3 checked by hand")
        #expect(events[1]["reason"] as? String == "rolled back by hand from v3")
        #expect(events[2]["reason"] as? String == summary)
        #expect(events.allSatisfy { ($0["actor"] as? String)?.hasPrefix("user") == true && $0["time"] is String })
        // The challenger is v2 throughout (v1's twin, newer): it moved once, when v2 was registered.
        let challenger = try Self.json(try Self.run(["history", "--alias", "challenger", "--json"], in: dir).stdout)
        let moves = try #require(challenger["events"] as? [[String: Any]])
        #expect(moves.map { $0["to"] as? Int } == [2])
        #expect((moves.first?["reason"] as? String)?.hasPrefix("best eligible version not serving: test F1 0.") == true)
        let text = try Self.run(["history"], in: dir).stdout
        #expect(text.split(separator: "\n").count == 6)
        #expect(text.contains("v3 → v1  rollback"))

        // models, status and score agree on what serves.
        let models = try Self.json(try Self.run(["models", "--json"], in: dir).stdout)
        let versions = try #require(models["versions"] as? [[String: Any]])
        #expect(versions.map { $0["version"] as? Int } == [1, 2, 3])
        #expect(versions.map { $0["serving"] as? Bool } == [false, false, true])
        #expect(versions[2]["aliases"] as? [String] == ["production"])
        #expect(versions[1]["aliases"] as? [String] == ["challenger"])
        #expect(
            Set(versions[0].keys) == [
                "version", "family", "createdAt", "f1", "rocAUC", "threshold", "trainRows", "testRows", "aliases",
                "serving", "artifact", "sha256",
            ])
        let status = try Self.json(try Self.run(["status", "--json"], in: dir).stdout)
        #expect(status["serving"] as? Int == 3)
        #expect(
            (status["runs"] as? [String: Int]) == ["total": 3, "promoted": 2, "kept": 1, "refused": 0, "failed": 0])
        #expect(status["otherFamilies"] as? Int == 3)
        #expect((status["lastRun"] as? [String: Any])?["outcome"] as? String == "promoted")
        let statusText = try Self.run(["status"], in: dir).stdout
        #expect(statusText.contains("serving   v3 (production) since "))
        #expect(
            statusText.contains(
                "counts    3 versions · 3 training runs (2 promoted, 1 kept); 3 other families recorded"),
            "\(statusText)")
        try Self.run(["gen-data", "--rows", "50", "--seed", "9", "--unlabeled", "-o", "in.csv"], in: dir)
        #expect(try Self.run(["score", "in.csv"], in: dir).stdout.contains("with v3"))
        #expect(csvRows(try dir.read("outbox/in.scored.csv"))[1][3] == "3")
        try Self.run(["score", "in.csv", "--version", "1"], in: dir)
        #expect(csvRows(try dir.read("outbox/in-1.scored.csv"))[1][3] == "1")
    }

    @Test func refusalsNameTheValidChoices() throws {
        let dir = try TemporaryDirectory()
        try Self.run(["gen-data", "--rows", "500", "--seed", "3", "-o", "a.csv"], in: dir)
        try SingleSplit.configure(dir.path)
        try Self.run(["gen-data", "--rows", "20", "--seed", "9", "--unlabeled", "-o", "in.csv"], in: dir)
        let empty = try Self.run(["score", "in.csv"], in: dir, expect: 1)
        #expect(empty.stderr.contains("churn_model has no production version yet: train one with churnd train"))
        try Self.run(["train", "--data", "a.csv"], in: dir)
        _ = try Self.run(["train", "--data", "a.csv", "--force"], in: dir)
        #expect(
            try Self.run(["promote", "99"], in: dir, expect: 1).stderr == "churnd: no version 99; versions are 1–2\n")
        #expect(
            try Self.run(["rollback"], in: dir, expect: 1).stderr.hasPrefix(
                "churnd: no earlier production version: production has only ever been v1;"))
        #expect(
            try Self.run(["promote", "2", "--alias", "prod.v2"], in: dir, expect: 2).stderr.contains(
                "invalid alias name \"prod.v2\""))
        #expect(
            try Self.run(["score", "in.csv", "--alias", "nightly"], in: dir, expect: 1).stderr.contains(
                "no alias \"nightly\"; aliases are challenger (v2), production (v1)"))
        #expect(
            try Self.run(["history", "--alias", "nightly"], in: dir, expect: 1).stderr.contains(
                "no alias \"nightly\"; aliases are challenger, production"))
        #expect(try Self.run(["promote", "1"], in: dir).stdout == "production already points at v1; nothing changed\n")
        try dir.write("state/models/churn_model/2/model.json", "{}")
        #expect(
            try Self.run(["promote", "2"], in: dir, expect: 1).stderr.contains(
                "state/models/churn_model/2/model.json: model file of version 2 was changed outside churnd"))
    }

    @Test func twoProcessesRacingAliasMovesKeepOneConsistentHistory() throws {
        let dir = try TemporaryDirectory()
        try Self.run(["gen-data", "--rows", "500", "--seed", "3", "-o", "a.csv"], in: dir)
        try SingleSplit.configure(dir.path)
        try Self.run(["train", "--data", "a.csv"], in: dir)
        _ = try Self.run(["train", "--data", "a.csv", "--force"], in: dir)
        let rounds = 200
        let moved = Mutex<[Int]>([])
        let failures = Mutex<[String]>([])
        // Each worker runs the built binary `rounds` times: promote its version, then roll back.
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for round in 0..<rounds {
                let arguments = round % 2 == 0 ? ["promote", "\(worker + 1)", "--json"] : ["rollback", "--json"]
                do {
                    let result = try Churnd.run(arguments, in: dir.path)
                    if result.status == 0 {
                        let output = try Self.json(result.stdout)
                        if let event = output["event"] as? [String: Any], let id = event["id"] as? Int {
                            moved.withLock { $0.append(id) }
                        }
                    } else if !result.stderr.contains("no earlier production version") {
                        failures.withLock { $0.append("\(arguments): \(result.status) \(result.stderr)") }
                    }
                } catch {
                    failures.withLock { $0.append("\(arguments): \(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(3) })")
        let history = try Self.json(try Self.run(["history", "--alias", "production", "--json"], in: dir).stdout)
        let events = try #require(history["events"] as? [[String: Any]]).reversed()
        // Every move a process reported is in the log exactly once, and nothing else is (event 1 was training's).
        let ids = events.compactMap { $0["id"] as? Int }
        #expect(ids.dropFirst().sorted() == moved.withLock { $0 }.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(ids.count > rounds / 2)
        // The log is one unbroken chain, and it ends where the alias points.
        var current: Int?
        for event in events {
            #expect(event["from"] as? Int == current)
            current = event["to"] as? Int
        }
        let status = try Self.json(try Self.run(["status", "--json"], in: dir).stdout)
        #expect(status["serving"] as? Int == current)
    }
}
