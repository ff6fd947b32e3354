import ChurnCore
import ChurnDaemon
import ChurnServe
import ChurnStore
import ChurnTestKit
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A root with a history worth showing, built by the real CLI and a real daemon run in this process (so the
/// daemon's events are counted by the process's Prometheus registry): two trained versions, a promote and a
/// rollback by hand, scored inbox files, a refused one, label files joined, quarantined training and label
/// files, a training run by the daemon and drift checks, the last ones on shifted data (alerts).
///
/// Built once per test process and shared by the metrics and dashboard tests (the metrics registry is
/// process-global); `before` is the metrics text just before the daemon started.
struct DashboardScenario: Sendable {
    let dir: TemporaryDirectory
    let before: String
    let export: MetricsExport
    var root: String { dir.path }

    static let shared = Task { try await build() }

    static let config = """
        [daemon]
        quiet_seconds = 0.3
        max_quiet_seconds = 2
        scan_interval_seconds = 1
        polling = true
        poll_interval_seconds = 0.2
        shutdown_grace_seconds = 20
        [drift]
        interval_seconds = 1
        last_n = 300
        sample_rows_per_file = 300
        policy = "alert"

        """

    func lifecycle() throws -> ModelLifecycle {
        let config = try Config.load(file: nil, root: root)
        return try ModelLifecycle(root: root, config: config)
    }

    static func build() async throws -> DashboardScenario {
        let registry = MetricsExport.bootstrap()
        let dir = try TemporaryDirectory("churnd-dashboard")
        let root = dir.path
        try cli(["init", "."], in: root)
        try dir.write("churnd.toml", SingleSplit.toml(config))
        // Given v1 trained and promoted, v2 trained on shifted data (kept at challenger),
        try cli(["gen-data", "--rows", "2000", "--seed", "1", "-o", "model-data.csv"], in: root)
        try cli(["train", "--data", "model-data.csv"], in: root)
        try cli(
            ["gen-data", "--rows", "2000", "--seed", "7", "--shift", "tenure_months=1..47", "-o", "v2-data.csv"],
            in: root)
        try cli(["train", "--data", "v2-data.csv"], in: root)
        // a canary by hand (with markup in its reason, which the page must escape) and its rollback,
        try cli(["promote", "2", "--reason", "canary <script>alert(1)</script> & co"], in: root)
        try cli(["rollback", "--reason", "canary over"], in: root)

        let export = MetricsExport(
            registry: registry, lifecycle: try ModelLifecycle(root: root, config: Config.load(file: nil, root: root)),
            root: root)
        let before = export.render()

        // when the daemon scores files, joins labels, refuses bad files, trains and checks drift,
        let daemon = Task {
            try await Daemon(root: root, configPath: nil, logger: Logger(label: "churnd-test")).run()
        }
        defer { daemon.cancel() }
        for (day, seed) in [("day1", 2), ("day2", 3)] {
            try dropFile("\(root)/inbox/\(day).csv", try unlabeled(rows: 300, seed: seed))
            try await waitFor("\(day) scored") { dir.exists("outbox/\(day).scored.csv") }
            // The daemon logs the predictions just after publishing the scored file. Labels that arrive before
            // day2's are logged join day1's predictions of the same ids instead (and replace day1's outcomes):
            // seen under ThreadSanitizer, which slows the daemon down enough.
            try await waitFor("\(day) predictions logged") {
                ((try? dir.read("watch/logs/churnd-predictions.jsonl")) ?? "").contains("\"file\":\"\(day).csv\"")
            }
            // Labels: the prediction, wrong for every fifth row, so live F1 is below 1.
            var labels = "customer_id,churn\n"
            for (index, row) in csvRows(try dir.read("outbox/\(day).scored.csv")).dropFirst().enumerated() {
                labels += "\(row[0]),\(index % 5 == 0 ? (row[2] == "1" ? "0" : "1") : row[2])\n"
            }
            try dropFile("\(root)/watch/labels/\(day).csv", labels)
            try await waitFor("\(day) labels joined") {
                ((try? dir.list("state/labels")) ?? []).contains { $0.hasSuffix("\(day).csv") }
            }
        }
        try dropFile("\(root)/inbox/bad.csv", "this is,not a churn file\n1,2\n")
        try dropFile("\(root)/watch/labels/wrong.csv", "id,outcome\nC1,1\n")
        try dropFile("\(root)/watch/data/broken.csv", "nothing,useful\n")
        try await waitFor("three files quarantined") {
            ((try? dir.list("state/quarantine")) ?? []).filter { $0.hasSuffix(".reason.txt") }.count == 3
        }
        try cli(["gen-data", "--rows", "1500", "--seed", "11", "-o", "more-data.csv"], in: root)
        guard rename("\(root)/more-data.csv", "\(root)/watch/data/more.csv") == 0 else {
            throw WaitFailure(message: "cannot move more-data.csv into watch/data")
        }
        let lifecycle = try ModelLifecycle(root: root, config: Config.load(file: nil, root: root))
        try await waitFor("the daemon's training run") {
            try lifecycle.registry.runs(model: lifecycle.modelName, limit: 50).contains { $0.actor.name == "daemon" }
        }
        try await waitFor("drift checks") { ((try? dir.list("state/reports")) ?? []).count >= 3 }
        try dropFile(
            "\(root)/inbox/day3.csv", try unlabeled(rows: 300, seed: 4, shift: "num_complaints=5"))
        try await waitFor("day3 scored") { dir.exists("outbox/day3.scored.csv") }
        try await waitFor("a drift alert") {
            ((try? dir.list("state/reports")) ?? []).contains { $0.hasSuffix(".html") }
        }
        daemon.cancel()
        _ = await daemon.result
        return DashboardScenario(dir: dir, before: before, export: export)
    }

    static func unlabeled(rows: Int, seed: Int, shift: String? = nil) throws -> String {
        let scratch = try TemporaryDirectory()
        var arguments = ["gen-data", "--rows", "\(rows)", "--seed", "\(seed)", "--unlabeled"]
        if let shift { arguments += ["--shift", shift] }
        return try cli(arguments, in: scratch.path).stdout
    }

    @discardableResult
    static func cli(_ arguments: [String], in root: String) throws -> Churnd.Result {
        let result = try Churnd.run(arguments, in: root)
        guard result.status == 0 else {
            throw WaitFailure(message: "churnd \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result
    }

    /// Polls without blocking a thread of the cooperative pool (the daemon runs on it too).
    static func waitFor(_ what: String, timeout: Double = 60, _ condition: () throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WaitFailure(message: "timed out waiting for \(what)")
    }
}
