import ChurnCore
import ChurnMLflow
import ChurnStore
import ChurnTestKit
import Foundation
import GRDB
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `[mlflow] tracking_uri` against a real `mlflow server` (SQLite store, proxied artifacts): every run logged,
/// versions registered, the MLflow model loaded by `mlflow.pyfunc` predicting what `churnd score` predicts, the
/// Python lab's promote/rollback scripts as clients, and MLflow down or answering HTML never failing training.
@Suite(.serialized)
struct MLflowTrackingTests {
    @Test func everyRunIsLoggedAndThePyfuncModelPredictsLikeChurndScore() throws {
        let server = try MLflowServer.shared()
        let root = try MLflowRoot(uri: server.uri)
        try root.generate("watch/data/a.csv", rows: 4000, seed: 3)
        let first = try Churnd.run(["train"], in: root.dir.path)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("MLflow: logged 1 item to experiment \"\(root.experiment)\""), "\(first.stderr)")

        // The second run trains XGBoost on other data; the third both families again: the chosen one and the
        // one not selected.
        try root.configure(families: ["xgboost"])
        try root.generate("watch/data/b.csv", rows: 6000, seed: 4, interaction: true)
        let second = try Churnd.run(["train", "--json"], in: root.dir.path)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("MLflow: logged 1 item"), "\(second.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect(summary["family"] as? String == "xgboost" && summary["version"] as? Int == 2, "\(second.stdout)")
        try root.configure(families: ["xgboost", "logistic_regression"])
        let third = try Churnd.run(["train", "--force"], in: root.dir.path)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stderr.contains("MLflow: logged 2 items"), "\(third.stderr)")

        let registry = try root.registry()
        let records = try registry.runs(model: "churn_model", limit: 100)
        #expect(records.count == 4 && records.contains { $0.outcome == .notSelected })
        #expect(try registry.pendingMLflowCount() == 0)
        let runs = try root.mlflowRuns()
        #expect(runs.count == records.count, "\(runs.keys.sorted())")
        for record in records {
            let run = try #require(runs["\(record.id ?? 0)"], "run \(record.id ?? 0) is not in MLflow")
            #expect(run.status == "FINISHED")
            #expect(run.tags["churnd.outcome"] == record.outcome.rawValue)
            #expect(run.tags["churnd.reason"] == record.reason)
            #expect(run.tags["churnd.version"] == record.churndVersion)
            #expect(run.params["family"] == record.parameters.family)
            #expect(run.params["seed"] == "\(record.parameters.seed)")
            #expect(run.params["gate_f1"] == "\(record.parameters.gateF1)")
            #expect(
                same(run.metrics["test_f1"], record.metrics?.f1),
                "\(run.metrics["test_f1"] as Any) \(record.metrics?.f1 as Any)")
            #expect(
                same(run.metrics["test_roc_auc"], record.metrics?.rocAUC),
                "\(run.metrics["test_roc_auc"] as Any) \(record.metrics?.rocAUC as Any)")
            #expect(
                same(run.metrics["threshold"], record.metrics?.threshold),
                "\(run.metrics["threshold"] as Any) \(record.metrics?.threshold as Any)")
            #expect(
                same(run.metrics["baseline_all_positive_f1"], record.metrics?.f1AllPositive),
                "\(run.metrics["baseline_all_positive_f1"] as Any) \(record.metrics?.f1AllPositive as Any)")
            #expect(
                same(run.metrics["training_seconds"], record.seconds),
                "\(run.metrics["training_seconds"] as Any) \(record.seconds as Any)")
            #expect(run.metrics["validation_f1"] != nil, "\(record.outcome) \(record.parameters.family)")
            let inputs = record.inputs.map { "\(FileSystem.split($0.path).name) sha256:\($0.sha256)" }
            #expect(inputs.enumerated().allSatisfy { run.tags["churnd.input.\($0.offset + 1)"] == $0.element })
            let files = try root.client.listArtifacts(artifactURI: run.artifactURI)
            #expect(files.contains("churnd"), "\(files)")
            if record.version != nil {
                #expect(files.contains("model.json") && files.contains("model") && files.contains("drift"), "\(files)")
                let model = try root.client.listArtifacts(artifactURI: run.artifactURI, path: "model")
                #expect(model.contains("MLmodel") && model.contains("code") && model.contains("model.json"), "\(model)")
            }
        }
        // Promoted and kept versions are versions of the registered model, tagged with churnd's number.
        let versions = try root.client.searchModelVersions(filter: "name = '\(root.model)'")
        let numbers = try registry.versions(model: "churn_model").map { "\($0.version)" }
        #expect(versions.map { $0.tags["churnd.model_version"] ?? "" }.sorted() == numbers.sorted())
        #expect(
            Set(versions.map(\.runID))
                == Set(records.filter { $0.version != nil }.map { runs["\($0.id ?? 0)"]?.id ?? "" }))

        // Every version's pyfunc model predicts like `churnd score` with that version: logistic regression
        // through churnd's loader, XGBoost through the booster.
        try root.generate("customers.csv", rows: 300, seed: 9, interaction: true)
        let byChurnd = Dictionary(
            uniqueKeysWithValues: versions.map { (Int($0.tags["churnd.model_version"] ?? "") ?? 0, $0.version) })
        for (number, mlflowVersion) in byChurnd.sorted(by: { $0.key < $1.key }) {
            try expectPyfuncPredictsLikeChurnd(
                root, server: server, uri: "models:/\(root.model)/\(mlflowVersion)", version: number)
        }
        // The xgboost flavor gives the booster itself.
        let booster = try Script.run(
            [
                "\(MLflowServer.binDirectory)/python", "-c",
                "import mlflow.xgboost, sys; b = mlflow.xgboost.load_model(sys.argv[1]); print(type(b).__name__, b.num_features())",
                "models:/\(root.model)/\(byChurnd[2] ?? "")",
            ], environment: ["MLFLOW_TRACKING_URI": server.uri, "PYTHONWARNINGS": "ignore"])
        #expect(booster.status == 0 && booster.output.contains("Booster "), "\(booster.output)")

        // The Python lab's promote.py: the newest version to production; rollback.py: the one before, which
        // `models:/…@production` then loads.
        let newest = try #require(byChurnd.values.compactMap { Int($0) }.max())
        let promoted = try server.python("scripts/mlflow/promote.py", ["--model", root.model])
        #expect(promoted.status == 0, "\(promoted.output)")
        #expect(promoted.output.contains("\(root.model)@production -> version \(newest)"), "\(promoted.output)")
        let rolledBack = try server.python("scripts/mlflow/rollback.py", ["--model", root.model])
        #expect(rolledBack.status == 0, "\(rolledBack.output)")
        #expect(rolledBack.output.contains("-> version \(newest - 1) (churnd v"), "\(rolledBack.output)")
        let previous = try #require(byChurnd.first { $0.value == "\(newest - 1)" }?.key)
        try expectPyfuncPredictsLikeChurnd(
            root, server: server, uri: "models:/\(root.model)@production", version: previous)

        // A drift report of version 1 goes to version 1's run.
        let report = "drift-20261203T000000.000Z.json"
        try root.dir.write("state/reports/\(report)", #"{"modelVersion": "1", "decision": "no drift"}"#)
        let again = try Churnd.run(["train"], in: root.dir.path)
        #expect(again.status == 0 && again.stdout.contains("already trained"), "\(again.stdout)\(again.stderr)")
        let v1 = try #require(records.first { $0.version == 1 })
        let v1Run = try #require(runs["\(v1.id ?? 0)"])
        let drift = try root.client.listArtifacts(artifactURI: v1Run.artifactURI, path: "drift")
        #expect(drift.contains(report), "\(drift)")
        #expect(try root.mlflowRuns().count == 4)
    }

    /// Equal up to the last bits a trip through MLflow's JSON and store may change.
    private func same(_ a: Double?, _ b: Double?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a - b) <= 1e-12 * max(1, abs(b))
    }

    private func expectPyfuncPredictsLikeChurnd(
        _ root: MLflowRoot, server: MLflowServer, uri: String, version: Int
    ) throws {
        let predicted = try server.python(
            "scripts/mlflow/load_and_predict.py", ["customers.csv", "--model-uri", uri, "-o", "pyfunc.csv"],
            in: root.dir.path)
        #expect(predicted.status == 0, "\(predicted.output)")
        let pyfunc = probabilities(try root.dir.read("pyfunc.csv"))
        let churnd = try root.churndScores("customers.csv", version: version)
        #expect(pyfunc.count == 300 && churnd.count == 300)
        // churnd prints 6 decimals: the same probability within half a unit of the last one.
        let worst = churnd.map { abs(($0.value) - (pyfunc[$0.key] ?? .infinity)) }.max() ?? .infinity
        // (Plus a float32 step for trees, whose sums may round differently in another order.)
        #expect(worst <= 5e-7 + 1e-7, "largest difference \(worst) for version \(version)")
    }

    @Test func mlflowDownNeverFailsTrainingAndTheQueueIsLoggedOnceWhenItReturns() throws {
        let server = try MLflowServer(start: false)
        let root = try MLflowRoot(uri: server.uri, families: ["logistic_regression", "xgboost"])
        try root.generate("watch/data/a.csv", rows: 4000, seed: 3)
        let down = try Churnd.run(["train"], in: root.dir.path)
        #expect(down.status == 0, "\(down.stderr)")
        #expect(down.stdout.contains("promoted v1"), "\(down.stdout)")
        #expect(down.stderr.contains("MLflow is unreachable at \(server.uri)"), "\(down.stderr)")
        #expect(down.stderr.contains("2 items queued in the registry"), "\(down.stderr)")
        #expect(try root.registry().pendingMLflowCount() == 2)
        // Scoring does not care either.
        try root.generate("inbox/c.csv", rows: 50, seed: 6)
        #expect(try Churnd.run(["score", "inbox/c.csv"], in: root.dir.path).status == 0)

        try server.start()
        let back = try Churnd.run(["train"], in: root.dir.path)
        #expect(back.status == 0 && back.stdout.contains("already trained"), "\(back.stdout)\(back.stderr)")
        #expect(back.stderr.contains("MLflow: logged 2 items"), "\(back.stderr)")
        #expect(try root.mlflowRuns().count == 2)
        #expect(try root.registry().pendingMLflowCount() == 0)

        // A crash after MLflow created a run and before the registry saved its id: the retry finds the run by
        // its key instead of creating a second one.
        let database = try DatabaseQueue(path: "\(root.dir.path)/state/registry.sqlite")
        let chosen = try database.write { db -> String in
            let id = try String.fetchOne(db, sql: "SELECT mlflow_run_id FROM mlflow_outbox ORDER BY id LIMIT 1") ?? ""
            try db.execute(
                sql: """
                    UPDATE mlflow_outbox SET mlflow_run_id = NULL, step = 0, done_at = NULL, mlflow_version = NULL
                    WHERE id = (SELECT min(id) FROM mlflow_outbox)
                    """)
            return id
        }
        try database.close()
        let resumed = try Churnd.run(["train"], in: root.dir.path)
        #expect(resumed.stderr.contains("MLflow: logged 1 item"), "\(resumed.stderr)")
        let runs = try root.mlflowRuns()
        #expect(runs.count == 2)
        #expect(runs.values.contains { $0.id == chosen })
        #expect(try root.client.searchModelVersions(filter: "name = '\(root.model)'").count == 1)

        // MLflow killed and back: a forced run is logged once it returns.
        server.stop()
        let forced = try Churnd.run(["train", "--force"], in: root.dir.path)
        #expect(forced.status == 0 && forced.stderr.contains("2 items queued in the registry"), "\(forced.stderr)")
        try server.start()
        #expect(try Churnd.run(["train"], in: root.dir.path).stderr.contains("MLflow: logged 2 items"))
        #expect(try root.mlflowRuns().count == 4)
    }

    @Test func aWebPageInsteadOfMLflowIsAClearErrorAndTheRunStaysQueued() throws {
        try MLflowServer.requireInstalled()
        // Python's own HTTP server answers HTML (a 404 page, a 501 for POST), as a wrong URL or a proxy would.
        let site = try TemporaryDirectory("churnd-not-mlflow")
        let server = try MLflowServer(start: false)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(MLflowServer.binDirectory)/python")
        process.arguments = ["-m", "http.server", "--bind", "127.0.0.1", "\(server.port)"]
        process.currentDirectoryURL = URL(fileURLWithPath: site.path)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            // SIGKILL: the child inherits the test process's blocked signals, SIGTERM included.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try eventually("the HTML server answers", timeout: 30) { server.answers("/") }
        let root = try MLflowRoot(uri: server.uri)
        try root.generate("watch/data/a.csv", rows: 2000, seed: 7)
        let train = try Churnd.run(["train"], in: root.dir.path)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("with something that is not JSON"), "\(train.stderr)")
        #expect(train.stderr.contains("1 item queued in the registry"), "\(train.stderr)")
        #expect(try root.registry().pendingMLflowCount() == 1)
    }
}
