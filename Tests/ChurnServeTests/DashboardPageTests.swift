import ChurnCore
import ChurnServe
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

/// Issue 14 item 5: the dashboard page, rendered from a registry built by the real CLI and a real daemon run,
/// checked as text and as the DOM headless Chromium builds from it.
@Suite(.serialized)
struct DashboardPageTests {
    func render() async throws -> (DashboardScenario, DashboardSnapshot, String) {
        let scenario = try await DashboardScenario.shared.value
        let snapshot = try DashboardSnapshot.load(
            lifecycle: try scenario.lifecycle(), root: scenario.root, now: Date().timeIntervalSince1970)
        return (scenario, snapshot, DashboardPage.render(snapshot))
    }

    @Test func thePageShowsWhatTheCommandsShow() async throws {
        let (scenario, snapshot, page) = try await render()
        let lifecycle = try scenario.lifecycle()
        let status = try lifecycle.status()
        let serving = try #require(status.serving)
        // Serving version and since when.
        #expect(
            page.contains("Serving v\(serving.version) (production) since \(CalendarTime.utcText(serving.movedAt))"))
        // Every version with its test F1, and aliases.
        for version in try lifecycle.registry.versions(model: lifecycle.modelName) {
            #expect(page.contains("<td>v\(version.version)</td><td>\(version.family)</td>"))
            #expect(page.contains(NumberFormat.fixed(version.f1, 4)))
        }
        #expect(page.contains("<span class=tag>production</span>"))
        // Live F1 of each labeled version, as `churnd models` computes it.
        for (version, metrics) in snapshot.live {
            #expect(
                page.contains("\(NumberFormat.fixed(metrics.f1, 4)) (\(NumberFormat.grouped(metrics.rows)))"),
                "v\(version)")
        }
        // Runs side by side, including the daemon's and the families not selected.
        for run in try lifecycle.registry.runs(model: lifecycle.modelName, limit: 12) {
            #expect(page.contains("<td class=\"outcome-\(run.outcome.rawValue)\">\(run.outcome.rawValue)</td>"))
            #expect(page.contains(HTML.escape(run.reason)))
        }
        // The alias history: the canary by hand and its rollback, with the markup in its reason escaped.
        #expect(page.contains("canary &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"))
        #expect(!page.contains("<script"))
        #expect(page.contains("canary over"))
        // Drift: one chart per feature over the checks, the alert banner of the last check.
        let features = Set(snapshot.drift.flatMap { $0.report.tests.map(\.feature) })
        #expect(features.contains("num_complaints"))
        #expect(page.components(separatedBy: "<div class=\"card drift-feature\">").count - 1 == features.count)
        #expect(page.contains("class=\"verdict alert\" id=\"drift\""))
        #expect(snapshot.drift.count >= 3)
        // Inbox throughput: the three scored files and three quarantined ones, by claim time.
        #expect(snapshot.scoredAt.count == 3 && snapshot.quarantinedAt.count == 3)
        #expect(page.contains("3 files scored · 3 files quarantined"))
        // It refreshes itself and needs nothing from outside.
        #expect(page.contains("<meta http-equiv=\"refresh\" content=\"30\">"))
        for forbidden in ["<script", "src=", "href=", "@import", "url("] { #expect(!page.contains(forbidden)) }
        #expect(DashboardPage.contentSecurityPolicy.hasPrefix("default-src 'none'; style-src 'unsafe-inline'"))
    }

    @Test func liveF1HistoryHasAPointPerLabelFileAndVersion() async throws {
        let (_, snapshot, _) = try await render()
        // Two label files, each judging every version it has labels for (the served one and the shadow): a point
        // per file and version, the last of each version equal to its live F1 now.
        #expect(snapshot.live.count >= 1)
        #expect(snapshot.liveHistory.count == 2 * snapshot.live.count)
        #expect(Set(snapshot.liveHistory.map(\.labelFile)) == ["day1.csv", "day2.csv"])
        for (version, metrics) in snapshot.live {
            #expect(snapshot.liveHistory.last { $0.version == version }?.metrics == metrics)
        }
    }

    @Test func headlessChromiumShowsTheTextAndTheCharts() async throws {
        let (scenario, snapshot, page) = try await render()
        let chromium = try Chromium()
        let file = try scenario.dir.write("dashboard.html", page)
        let dom = try chromium.dumpDOM("file://\(file)")
        // The DOM Chromium built holds the text and the charts: a line per drift test and per live version,
        // bars per busy hour, one lane segment per alias move to a version.
        #expect(dom.contains("Serving v"))
        #expect(dom.contains("Recent training runs"))
        #expect(dom.contains("canary &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"))
        // (a line needs two points: a test in one report only, or a version judged by one label file, is a dot)
        var pointsPerTest: [String: Int] = [:]
        for record in snapshot.drift {
            for test in record.report.tests { pointsPerTest["\(test.feature) \(test.kind)", default: 0] += 1 }
        }
        let driftLines = pointsPerTest.values.filter { $0 > 1 }.count
        let liveLines = Set(snapshot.liveHistory.map(\.version)).filter { v in
            snapshot.liveHistory.filter { $0.version == v }.count > 1
        }.count
        #expect(driftLines >= 5 && liveLines >= 1)
        #expect(count("<polyline class=\"series\"", in: dom) == driftLines + liveLines)
        #expect(count("<rect class=\"bar\"", in: dom) >= 1)
        #expect(count("<rect class=\"segment\"", in: dom) == snapshot.history.filter { $0.toVersion != nil }.count)
        #expect(count("<svg ", in: dom) == Set(snapshot.drift.flatMap { $0.report.tests.map(\.feature) }).count + 3)
        // A screenshot, for a person to look at (kept in the test's directory; CHURND_SCREENSHOT=PATH copies it there, and the page to PATH.html).
        let png = "\(scenario.root)/dashboard.png"
        try chromium.screenshot("file://\(file)", to: png, height: 2000)
        let bytes = try #require(FileManager.default.contents(atPath: png))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        if let copy = ProcessInfo.processInfo.environment["CHURND_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: png, toPath: copy)
            try page.write(toFile: copy + ".html", atomically: true, encoding: .utf8)
        }
    }

    func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }
}
