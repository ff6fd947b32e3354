import ChurnCore
import ChurnMLflow
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

/// `churnd run` with `[mlflow] tracking_uri`: MLflow down at start changes nothing for training and scoring,
/// is logged once per outage, and the queue is logged, once, when MLflow comes up.
@Suite(.serialized)
struct MLflowDaemonTests {
    @Test func theDaemonTrainsAndScoresWhileMLflowIsDownAndLogsTheQueueWhenItComesUp() throws {
        let server = try MLflowServer(start: false)
        let root = try MLflowRoot(uri: server.uri, families: ["logistic_regression", "xgboost"])
        try root.generate("watch/data/a.csv", rows: 4000, seed: 3)
        let daemon = try DaemonProcess(root: root.dir.path)
        defer { _ = try? daemon.stop() }
        try daemon.waitReady(timeout: 120)
        try eventually("the daemon trained\n\(daemon.log)", timeout: 180) { daemon.log.contains("training finished") }
        try eventually("the daemon says MLflow is unreachable\n\(daemon.log)", timeout: 30) {
            daemon.log.contains("MLflow unreachable")
        }
        // Scoring goes on.
        try dropFile(
            "\(root.dir.path)/inbox/c.csv",
            try String(contentsOfFile: root.generate("c.csv", rows: 20, seed: 12), encoding: .utf8))
        try eventually("c.csv is scored\n\(daemon.log)", timeout: 60) { root.dir.exists("outbox/c.scored.csv") }
        // Retries (1, 2, 4 s apart) say nothing more.
        try holds("one line per outage", for: 5) { daemon.log.components(separatedBy: "MLflow unreachable").count == 2 }
        #expect(try root.registry().pendingMLflowCount() == 2)

        try server.start()
        try eventually("the queue is logged\n\(daemon.log)", timeout: 90) {
            (try? root.registry().pendingMLflowCount()) == 0
        }
        #expect(daemon.log.contains("MLflow reachable again"), "\(daemon.log)")
        #expect(daemon.log.contains("logged to MLflow"), "\(daemon.log)")
        #expect(daemon.log.components(separatedBy: "MLflow unreachable").count == 2)
        let records = try root.registry().runs(model: "churn_model", limit: 100)
        let runs = try root.mlflowRuns()
        #expect(runs.count == records.count && records.count == 2)
        #expect(try root.client.searchModelVersions(filter: "name = '\(root.model)'").count == 1)
    }
}
