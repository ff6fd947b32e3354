import ChurnCore
import ChurnStore
import Foundation

/// `GET /`: one server-rendered page an operator reads instead of running `status`, `models`, `runs`, `history`
/// and `drift`. No script, no external asset: inline CSS (the drift report's, `HTML.baseStyle`) and inline SVG,
/// so the strict `contentSecurityPolicy` holds; `<meta http-equiv="refresh">` reloads it. Every string from
/// data (reasons, actors, feature names, file names) is escaped.
package enum DashboardPage {
    /// The `Content-Security-Policy` header to send with the page: nothing may load, inline styles only, and
    /// `data:` images (none today); no script, no form target, no framing.
    package static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
        + "frame-ancestors 'none'"

    /// The response's `Content-Type`.
    package static let contentType = "text/html; charset=utf-8"

    package static func render(_ snapshot: DashboardSnapshot) -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <meta http-equiv="refresh" content="\(snapshot.refreshSeconds)">
            <title>churnd · \(e(snapshot.modelName))</title>
            <style>
            \(HTML.baseStyle)
            .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.75rem;margin:0 0 1rem}
            .stat{border:1px solid #e3e6ea;border-radius:8px;padding:.6rem .8rem}.stat b{display:block;font-size:1.3rem}
            tr.serving td{background:#eef3ff;font-weight:600}td.reason{max-width:24rem;color:#3b4452}
            .tag{display:inline-block;padding:0 .4rem;border-radius:4px;background:#e7ecff;margin-right:.25rem;font-size:.85em}
            .outcome-promoted{color:#2e7d32;font-weight:600}.outcome-failed,.outcome-refused{color:#c62828;font-weight:600}
            </style></head><body>
            <h1>churnd · \(e(snapshot.modelName))</h1>
            <div class="meta">as of \(e(time(snapshot.takenAt))) · refreshes every \(snapshot.refreshSeconds) s</div>

            """
        page += serving(snapshot)
        page += versions(snapshot)
        page += runs(snapshot)
        page += aliasTimeline(snapshot)
        page += drift(snapshot)
        page += liveF1(snapshot)
        page += inbox(snapshot)
        page += "</body></html>\n"
        return page
    }

    // MARK: Sections

    static func serving(_ s: DashboardSnapshot) -> String {
        guard let serving = s.status.serving else {
            return "<div id=\"serving\" class=\"verdict na\">Nothing serving yet: train a model (churnd train) or "
                + "promote one (churnd promote VERSION).</div>\n"
        }
        var text = "Serving v\(serving.version) (production) since \(e(time(serving.movedAt)))"
        if let move = s.status.servingSince {
            let verb = move.kind == .rollback ? "rolled back to" : "promoted"
            text += ", \(verb) by \(e(move.actor.name)): \(e(move.reason))"
        }
        let live = s.live[serving.version].map { " · live F1 \(fixed($0.f1, 4)) over \(grouped($0.rows)) rows" } ?? ""
        var html = "<div id=\"serving\" class=\"verdict ok\">\(text)\(live)</div>\n<div class=\"grid\">"
        let outcomes = TrainingRunRecord.Outcome.all.filter { $0 != .notSelected }
        let runs = outcomes.map { s.status.runCounts[$0] ?? 0 }.reduce(0, +)
        for (label, value) in [
            ("versions", grouped(s.status.versionCount)), ("training runs", grouped(runs)),
            ("promoted", grouped(s.status.runCounts[.promoted] ?? 0)),
            ("alias moves", grouped(s.history.count)), ("drift checks shown", grouped(s.drift.count)),
        ] {
            html += "<div class=\"stat\"><b>\(value)</b>\(label)</div>"
        }
        return html + "</div>\n"
    }

    static func versions(_ s: DashboardSnapshot) -> String {
        guard !s.versions.isEmpty else { return "" }
        let serving = s.status.serving?.version
        var html = "<h2>Versions</h2><table id=\"versions\"><tr><th>version</th><th>family</th><th>created</th>"
        html +=
            "<th class=num>test F1</th><th class=num>test AUC</th><th class=num>live F1 (rows)</th><th>aliases</th></tr>\n"
        for v in s.versions.reversed() {
            html += "<tr\(v.version == serving ? " class=serving" : "")><td>v\(v.version)</td><td>\(e(v.family))</td>"
            html += "<td>\(e(time(v.createdAt)))</td><td class=num>\(fixed(v.f1, 4))</td>"
            html += "<td class=num>\(v.rocAuc.map { fixed($0, 4) } ?? "n/a")</td><td class=num>"
            html += s.live[v.version].map { "\(fixed($0.f1, 4)) (\(grouped($0.rows)))" } ?? "–"
            html +=
                "</td><td>\(s.aliasNames(of: v.version).map { "<span class=tag>\(e($0))</span>" }.joined())</td></tr>\n"
        }
        return html + "</table>\n"
    }

    static func runs(_ s: DashboardSnapshot) -> String {
        guard !s.runs.isEmpty else { return "" }
        var html = "<h2>Recent training runs</h2><table id=\"runs\"><tr><th>#</th><th>started</th><th>family</th>"
        html += "<th class=num>rows</th><th class=num>test F1</th><th class=num>test AUC</th><th>outcome</th>"
        html += "<th>version</th><th>reason</th></tr>\n"
        for run in s.runs {
            html += "<tr><td>\(run.id.map { "\($0)" } ?? "")</td><td>\(e(time(run.startedAt)))</td>"
            html += "<td>\(run.metrics == nil ? "–" : e(run.parameters.family))</td>"
            html += "<td class=num>\(run.rows.map(grouped) ?? "–")</td>"
            html += "<td class=num>\(run.metrics.map { fixed($0.f1, 4) } ?? "–")</td>"
            html += "<td class=num>\(run.metrics?.rocAUC.map { fixed($0, 4) } ?? "–")</td>"
            html += "<td class=\"outcome-\(run.outcome.rawValue)\">\(e(run.outcome.rawValue))</td>"
            html += "<td>\(run.version.map { "v\($0)" } ?? "–")</td><td class=reason>\(e(run.reason))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    static func aliasTimeline(_ s: DashboardSnapshot) -> String {
        guard !s.history.isEmpty else { return "" }
        let names = Array(Set(s.history.map(\.alias))).sorted { a, b in
            a == AliasName.production ? true : (b == AliasName.production ? false : a < b)
        }
        let lanes = names.map { alias in
            let moves = s.history.filter { $0.alias == alias }
            var segments: [(from: Double, to: Double, text: String, color: String)] = []
            for (index, move) in moves.enumerated() {
                guard let version = move.toVersion else { continue }
                let end = index + 1 < moves.count ? moves[index + 1].at : s.takenAt
                segments.append((move.at, end, "v\(version)", SVGChart.palette[version % SVGChart.palette.count]))
            }
            return (name: alias, segments: segments)
        }
        var html = "<h2>Alias history</h2><div class=card id=\"alias-history\">"
        html += SVGChart(label: "alias history timeline").lanes(lanes)
        html += "<table><tr><th>time</th><th>alias</th><th>move</th><th>kind</th><th>actor</th><th>reason</th></tr>\n"
        for event in s.history.reversed().prefix(15) {
            let from = event.fromVersion.map { "v\($0)" } ?? "–"
            let to = event.toVersion.map { "v\($0)" } ?? "–"
            html += "<tr><td>\(e(time(event.at)))</td><td>\(e(event.alias))</td><td>\(from) → \(to)</td>"
            html += "<td>\(e(event.kind.rawValue))</td><td>\(e(event.actor.name))</td>"
            html += "<td class=reason>\(e(event.reason))</td></tr>\n"
        }
        return html + "</table></div>\n"
    }

    /// Per feature, −log10(p) of each of its tests over the last checks, the test's threshold dashed, checks
    /// where the test drifted in red; then the checks themselves.
    static func drift(_ s: DashboardSnapshot) -> String {
        var html = "<h2>Drift over the last \(s.drift.count) check\(s.drift.count == 1 ? "" : "s")</h2>\n"
        guard let latest = s.drift.last else {
            return html + "<div class=\"verdict na\" id=\"drift\">No drift check yet.</div>\n"
        }
        let verdictClass = !latest.report.enoughData ? "na" : (latest.report.alert ? "alert" : "ok")
        let verdict = !latest.report.enoughData ? "Not enough data" : (latest.report.alert ? "Drift alert" : "No drift")
        html += "<div class=\"verdict \(verdictClass)\" id=\"drift\">Latest check \(e(time(latest.checkedAt))): "
        html += "\(verdict): \(e(latest.report.reason)) · decision: \(e(latest.decision))</div>\n"
        var features: [String] = []
        for record in s.drift {
            for test in record.report.tests where !features.contains(test.feature) { features.append(test.feature) }
        }
        let ceiling = 12.0
        for feature in features {
            var kinds: [String] = []
            for record in s.drift {
                for test in record.report.tests where test.feature == feature && !kinds.contains(test.kind) {
                    kinds.append(test.kind)
                }
            }
            var series: [SVGChart.Series] = []
            var alpha: Double?
            for (index, kind) in kinds.enumerated() {
                var line = SVGChart.Series(
                    name: "\(feature) \(kind)", color: SVGChart.palette[index % SVGChart.palette.count], points: [])
                for record in s.drift {
                    guard let test = record.report.tests.first(where: { $0.feature == feature && $0.kind == kind })
                    else { continue }
                    if test.drifted { line.flagged.insert(line.points.count) }
                    line.points.append((record.checkedAt, min(ceiling, -log10(max(test.pValue, 1e-300)))))
                    alpha = min(alpha ?? 1, test.alpha)
                }
                series.append(line)
            }
            html += "<div class=\"card drift-feature\"><h2>\(e(feature))</h2><div class=legend>"
            html += series.map {
                "<span style=\"background:\($0.color)\"></span>\(e(String($0.name.dropFirst(feature.count + 1))))"
            }.joined()
            html += "</div>"
            html += SVGChart(label: "drift of \(feature) over the last checks").lines(
                series, yRange: 0...ceiling, yFormat: { "p " + formatP(pow(10, -$0)) },
                threshold: alpha.map { (value: $0 > 0 ? -log10($0) : ceiling, label: "threshold p \(formatP($0))") })
            html += "</div>\n"
        }
        html += "<table id=\"drift-checks\"><tr><th>checked</th><th>version</th><th class=num>records</th>"
        html += "<th>result</th><th>decision</th></tr>\n"
        for record in s.drift.reversed().prefix(10) {
            let result = !record.report.enoughData ? "not enough data" : (record.report.alert ? "alert" : "no drift")
            html += "<tr\(record.report.alert ? " class=drift" : "")><td>\(e(time(record.checkedAt)))</td>"
            html += "<td>\(e(Int(record.modelVersion) != nil ? "v" + record.modelVersion : record.modelVersion))</td>"
            html += "<td class=num>\(grouped(record.report.records))</td><td>\(result): \(e(record.report.reason))</td>"
            html += "<td class=reason>\(e(record.decision))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    static func liveF1(_ s: DashboardSnapshot) -> String {
        var html = "<h2>Live F1 per version</h2>"
        guard !s.liveHistory.isEmpty else {
            return html + "<div class=\"verdict na\" id=\"live\">No labels joined yet: drop label files into "
                + "watch/labels/.</div>\n"
        }
        let versions = Array(Set(s.liveHistory.map(\.version))).sorted()
        let series = versions.map { version in
            SVGChart.Series(
                name: "v\(version)", color: SVGChart.palette[version % SVGChart.palette.count],
                points: s.liveHistory.filter { $0.version == version }.map { ($0.at, $0.metrics.f1) })
        }
        html += "<div class=card id=\"live\"><div class=meta>F1 over each version's last \(grouped(s.windowRows)) "
        html += "labeled predictions, after each label file</div><div class=legend>"
        html += series.map { "<span style=\"background:\($0.color)\"></span>\(e($0.name))" }.joined() + "</div>"
        html += SVGChart(label: "live F1 per version over time").lines(series, yRange: 0...1, yFormat: { fixed($0, 2) })
        return html + "</div>\n"
    }

    static func inbox(_ s: DashboardSnapshot) -> String {
        let size = 3600.0
        let end = (s.takenAt / size).rounded(.down) * size + size
        let start = end - Double(s.throughputHours) * size
        var buckets = (0..<s.throughputHours).map { (start: start + Double($0) * size, values: [0.0, 0.0]) }
        for (index, times) in [s.scoredAt, s.quarantinedAt].enumerated() {
            for t in times where t >= start && t < end { buckets[Int((t - start) / size)].values[index] += 1 }
        }
        var html = "<h2>Inbox, last \(s.throughputHours) hours</h2><div class=card id=\"inbox\">"
        html += "<div class=meta>\(grouped(s.scoredAt.count)) files scored · \(grouped(s.quarantinedAt.count)) files "
        html += "quarantined (inbox, training and label files) · per hour, by claim time (from the names in "
        html += "state/archive and state/quarantine)</div>"
        html += "<div class=legend><span style=\"background:#4c6ef5\"></span>scored"
        html += "<span style=\"background:#c62828\"></span>quarantined</div>"
        html += SVGChart(label: "inbox files per hour").bars(
            buckets, size: size, colors: ["#4c6ef5", "#c62828"], names: ["scored", "quarantined"])
        return html + "</div>\n"
    }

    // MARK: Helpers

    static func e(_ text: String) -> String { HTML.escape(text) }
    static func time(_ seconds: Double) -> String { CalendarTime.utcText(seconds) }
    static func fixed(_ value: Double, _ decimals: Int) -> String { NumberFormat.fixed(value, decimals) }
    static func grouped(_ value: Int) -> String { NumberFormat.grouped(value) }
}
