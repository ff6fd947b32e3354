import ChurnCore
import ChurnServe
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

/// Issue 14 item 4: what `GET /metrics` serves, from a real daemon run in this process (the registry is
/// process-global, so the checks compare with the text rendered just before the daemon started).
@Suite(.serialized)
struct MetricsExportTests {
    @Test func aDaemonRunShowsInThePrometheusText() async throws {
        let scenario = try await DashboardScenario.shared.value
        let before = try MetricsText(scenario.before)
        let text = scenario.export.render()
        // CHURND_METRICS=PATH keeps the text for a person to read.
        if let path = ProcessInfo.processInfo.environment["CHURND_METRICS"] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let after = try MetricsText(text)
        func delta(_ name: String, _ labels: [String: String] = [:]) -> Double {
            (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0)
        }
        // Inbox: three files of 300 rows scored, one refused; the file latency histogram counted the three.
        #expect(delta("churnd_files_scored_total") == 3)
        #expect(delta("churnd_rows_scored_total") == 900)
        #expect(delta("churnd_row_errors_total") == 0)
        #expect(delta("churnd_file_scoring_seconds_count") == 3)
        #expect(delta("churnd_file_scoring_seconds_sum") > 0)
        #expect(delta("churnd_files_quarantined_total", ["source": "inbox"]) == 1)
        #expect(delta("churnd_files_quarantined_total", ["source": "labels"]) == 1)
        #expect(delta("churnd_files_quarantined_total", ["source": "data"]) == 1)
        // Training: one run by the daemon, whatever its outcome, timed.
        let runs =
            after.series("churnd_training_runs_total").map(\.value).reduce(0, +)
            - before.series("churnd_training_runs_total").map(\.value).reduce(0, +)
        #expect(runs == 1)
        #expect(delta("churnd_training_seconds_count") == 1)
        // Drift: checks ran, the shifted file raised at least one alert, and the latest report's p-values show.
        #expect(delta("churnd_drift_checks_total") >= 3)
        #expect(delta("churnd_drift_alerts_total") >= 1)
        let latest = try #require(try DriftReports(directory: "\(scenario.root)/state/reports").recent(limit: 1).last)
        for test in latest.report.tests {
            #expect(
                after.value("churnd_drift_p_value", ["feature": test.feature, "test": test.kind]) == test.pValue)
        }
        #expect(after.value("churnd_drift_p_value", ["feature": "num_complaints", "test": "mean"]) ?? 1 < 0.001)
        // State from the registry and folders.
        let lifecycle = try scenario.lifecycle()
        let aliases = try lifecycle.registry.aliases(model: lifecycle.modelName)
        for alias in aliases {
            #expect(after.value("churnd_serving_version", ["alias": alias.name]) == Double(alias.version))
        }
        let live = try lifecycle.registry.liveMetrics(
            model: lifecycle.modelName, window: lifecycle.config.live.windowRows)
        #expect(!live.isEmpty)
        for (version, metrics) in live {
            #expect(after.value("churnd_live_f1", ["version": String(version)]) == metrics.f1)
            #expect(metrics.f1 < 1)
        }
        #expect(after.value("churnd_inbox_backlog") == 0)
        let logBytes =
            try FileManager.default.attributesOfItem(
                atPath: "\(scenario.root)/watch/logs/churnd-predictions.jsonl")[.size] as? Int
        #expect(after.value("churnd_prediction_log_bytes") == logBytes.map(Double.init))
        // Every family has its HELP line.
        for family in ChurnMetrics.all where after.types[family.name] != nil {
            #expect(after.help[family.name] == family.help)
            #expect(after.types[family.name] == family.kind.rawValue)
        }
    }

    @Test func aPromoteByAnotherProcessShowsAtTheNextScrape() async throws {
        let scenario = try await DashboardScenario.shared.value
        let before = try MetricsText(scenario.export.render())
        let lifecycle = try scenario.lifecycle()
        let serving = try #require(try lifecycle.servingVersion())
        let other = try #require(
            try lifecycle.registry.versions(model: lifecycle.modelName).map(\.version).first { $0 != serving })
        #expect(before.value("churnd_serving_version", ["alias": "production"]) == Double(serving))

        // When the CLI (another process) promotes another version,
        let result = try Churnd.run(["promote", "\(other)", "--reason", "metrics test"], in: scenario.root)
        #expect(result.status == 0, "\(result.stderr)")

        // the next render shows it and counts the move under the CLI's actor.
        let after = try MetricsText(scenario.export.render())
        #expect(after.value("churnd_serving_version", ["alias": "production"]) == Double(other))
        let event = try #require(try lifecycle.history(alias: "production", limit: 1).first)
        let actor = ["actor": event.actor.name]
        #expect(event.actor.name.hasPrefix("user"))
        let byActor = try lifecycle.history().filter { $0.actor == event.actor }.count
        #expect(after.value("churnd_alias_moves_total", actor) == Double(byActor))
        #expect(after.value("churnd_alias_moves_total", actor)! > before.value("churnd_alias_moves_total", actor)!)
        let moves = after.series("churnd_alias_moves_total").map(\.value).reduce(0, +)
        #expect(moves == Double(try lifecycle.history().count))

        // Rendering again changes nothing: the moves are counted once.
        let again = try MetricsText(scenario.export.render())
        #expect(again.series("churnd_alias_moves_total").map(\.value).reduce(0, +) == moves)

        // After a rollback by the CLI, every alias series matches the registry: one that was removed is gone.
        try Churnd.run(["rollback", "--reason", "metrics test over"], in: scenario.root)
        let rolledBack = try MetricsText(scenario.export.render())
        let aliases = try lifecycle.registry.aliases(model: lifecycle.modelName)
        #expect(rolledBack.value("churnd_serving_version", ["alias": "production"]) == Double(serving))
        #expect(
            Set(rolledBack.series("churnd_serving_version").compactMap { $0.labels["alias"] })
                == Set(aliases.map(\.name)))
        let seen = Set(after.series("churnd_serving_version").compactMap { $0.labels["alias"] })
        #expect(seen.count > aliases.count, "the test needs an alias that the rollback removes: \(seen)")
    }

    @Test func httpRequestsAreCountedByRouteAndStatusWithALatencyHistogram() throws {
        _ = MetricsExport.bootstrap()
        let export = MetricsExport(registry: MetricsExport.bootstrap(), lifecycle: nil, root: "/nonexistent")
        let before = try MetricsText(export.render())
        MetricsExport.recordRequest(route: "/models/{version}", status: 200, seconds: 0.0004)
        MetricsExport.recordRequest(route: "/models/{version}", status: 200, seconds: 0.002)
        MetricsExport.recordRequest(route: "/predict", status: 422, seconds: 0.0001)
        let after = try MetricsText(export.render())
        func delta(_ name: String, _ labels: [String: String]) -> Double {
            (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0)
        }
        #expect(delta("churnd_http_requests_total", ["route": "/models/{version}", "status": "200"]) == 2)
        #expect(delta("churnd_http_requests_total", ["route": "/predict", "status": "422"]) == 1)
        #expect(delta("churnd_http_request_seconds_count", ["route": "/models/{version}"]) == 2)
        #expect(delta("churnd_http_request_seconds_bucket", ["route": "/models/{version}", "le": "0.0005"]) == 1)
        #expect(delta("churnd_http_request_seconds_bucket", ["route": "/models/{version}", "le": "0.0025"]) == 2)
        #expect(after.types["churnd_http_request_seconds"] == "histogram")
        #expect(MetricsExport.contentType.hasPrefix("text/plain; version=0.0.4"))
    }

    @Test func theParserRejectsBrokenText() {
        #expect(throws: MetricsText.Problem.self) { try MetricsText("churnd_x 1\n") }  // no TYPE
        #expect(throws: MetricsText.Problem.self) { try MetricsText("# TYPE churnd_x counter\nchurnd_x{a=\"b} 1\n") }
        #expect(throws: MetricsText.Problem.self) {
            try MetricsText("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\n")
        }
        #expect(throws: Never.self) {
            try MetricsText("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 2\nh_sum 3\n")
        }
    }
}
