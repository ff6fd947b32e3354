import ChurnCore
import ChurnMLflow
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

/// `[registry] backend = "mlflow"` beside a running daemon: the Python lab's promote.py and rollback.py move
/// what churnd serves, audited with actor `mlflow`; churnd's own moves set MLflow's alias, also after an
/// outage; an alias set in MLflow to a version churnd does not have is refused with a reason.
@Suite(.serialized)
struct MLflowAliasTests {
    @Test func theLabScriptsMoveWhatTheDaemonServesAndChurndsMovesReachMLflow() throws {
        let server = try MLflowServer()
        let root = try MLflowRoot(uri: server.uri, extra: "[registry]\nbackend = \"mlflow\"\n")
        try root.generate("watch/data/a.csv", rows: 4000, seed: 3)
        #expect(try Churnd.run(["train"], in: root.dir.path).status == 0)
        try root.configure(families: ["xgboost"], extra: "[registry]\nbackend = \"mlflow\"\n")
        try root.generate("watch/data/b.csv", rows: 6000, seed: 4, interaction: true)
        let second = try Churnd.run(["train"], in: root.dir.path)
        #expect(second.status == 0, "\(second.stderr)")
        let registry = try root.registry()
        #expect(try registry.versions(model: "churn_model").count == 2)
        // churnd's production is published to MLflow as soon as its version is logged.
        let serving = try #require(try registry.aliasVersion(model: "churn_model", alias: "production"))
        let published = try registry.mlflowVersion(model: "churn_model", version: serving)
        #expect(try root.client.aliases(name: root.model)["production"] == published)

        let daemon = try DaemonProcess(root: root.dir.path)
        defer { _ = try? daemon.stop() }
        try daemon.waitReady(timeout: 120)
        // Make sure production is at v2 (the lab's promote.py: the newest version).
        let promote = try server.python("scripts/mlflow/promote.py", ["--model", root.model])
        #expect(promote.status == 0, "\(promote.output)")
        try expectServes(2, root: root, daemon: daemon, file: "p1")

        // rollback.py: the version before; churnd follows and audits it as MLflow's move.
        let rollback = try server.python("scripts/mlflow/rollback.py", ["--model", root.model])
        #expect(rollback.status == 0 && rollback.output.contains("-> version 1 (churnd v1)"), "\(rollback.output)")
        try expectServes(1, root: root, daemon: daemon, file: "r1")
        let last = try #require(try registry.history(model: "churn_model", alias: "production", limit: 1).first)
        #expect(last.actor.name == "mlflow" && last.toVersion == 1 && last.kind == .rollback, "\(last)")
        #expect(last.reason.contains("set in MLflow: \(root.model)@production → version 1"), "\(last.reason)")
        let history = try Churnd.run(["history", "--alias", "production"], in: root.dir.path)
        #expect(history.stdout.contains("mlflow"), "\(history.stdout)")

        // The alias moved back and forth, measured from the move in MLflow to churnd's registry.
        var latencies: [Double] = []
        for (index, target) in [2, 1, 2, 1].enumerated() {
            let mlflowVersion = try #require(try registry.mlflowVersion(model: "churn_model", version: target))
            let start = Date()
            try root.client.setAlias(name: root.model, alias: "production", version: mlflowVersion)
            try eventually("production follows MLflow to v\(target)", timeout: 30) {
                try registry.aliasVersion(model: "churn_model", alias: "production") == target
            }
            latencies.append(Date().timeIntervalSince(start))
            if index == 0 { try expectServes(target, root: root, daemon: daemon, file: "m\(index)") }
        }
        print(
            "alias follow latency (MLflow move → churnd registry), seconds: \(latencies.map { NumberFormat.fixed($0, 3) })"
        )

        // A version churnd does not have: refused with a reason, churnd keeps serving v1.
        let runID = try #require(try registry.mlflowRun(model: "churn_model", version: 1)?.runID)
        let source = try root.client.getRun(id: runID).artifactURI + "/model"
        let stranger = try root.client.createModelVersion(name: root.model, source: source, runID: runID, tags: [:])
        try root.client.setAlias(name: root.model, alias: "production", version: stranger.version)
        try eventually("the stranger is refused\n\(daemon.log)", timeout: 30) {
            daemon.log.contains("was set in MLflow to version \(stranger.version), which churnd does not serve")
        }
        #expect(try registry.aliasVersion(model: "churn_model", alias: "production") == 1)
        try expectServes(1, root: root, daemon: daemon, file: "s1")

        // churnd's own move (a person's `churnd promote`) reaches MLflow, also when MLflow was down meanwhile.
        let v2 = try #require(try registry.mlflowVersion(model: "churn_model", version: 2))
        // MLflow back at v1, where both agreed last: the stranger is forgotten.
        let v1 = try #require(try registry.mlflowVersion(model: "churn_model", version: 1))
        try root.client.setAlias(name: root.model, alias: "production", version: v1)
        server.stop()
        let local = try Churnd.run(["promote", "2", "--reason", "by hand while MLflow is down"], in: root.dir.path)
        #expect(local.status == 0, "\(local.stderr)")
        try expectServes(2, root: root, daemon: daemon, file: "d1")
        try server.start()
        try eventually("MLflow's production follows churnd's move\n\(daemon.log)", timeout: 60) {
            (try? root.client.aliases(name: root.model)["production"]) == v2
        }
        try eventually("the daemon says so\n\(daemon.log)", timeout: 30) {
            daemon.log.contains("set MLflow's \(root.model)@production to version \(v2) (churnd v2)")
                && daemon.log.contains("MLflow reachable again")
        }
    }

    /// Drops a file into the inbox and checks the version that scored it.
    private func expectServes(_ version: Int, root: MLflowRoot, daemon: DaemonProcess, file: String) throws {
        let registry = try root.registry()
        try eventually("production is at v\(version)\n\(daemon.log)", timeout: 30) {
            try registry.aliasVersion(model: "churn_model", alias: "production") == version
        }
        let csv = try String(contentsOfFile: try root.generate("\(file)-source.csv", rows: 5, seed: 1), encoding: .utf8)
        try dropFile("\(root.dir.path)/inbox/\(file).csv", csv)
        try eventually("\(file).csv is scored\n\(daemon.log)", timeout: 60) {
            root.dir.exists("outbox/\(file).scored.csv")
        }
        let rows = csvRows(try root.dir.read("outbox/\(file).scored.csv")).dropFirst()
        #expect(!rows.isEmpty && rows.allSatisfy { $0.last == "\(version)" }, "\(file): \(rows.map { $0.last ?? "" })")
    }
}
