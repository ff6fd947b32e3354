/// Renders a drift report as one self-contained HTML page: inline SVG charts, inline CSS, no scripts and
/// no network, so it opens the same from a mail attachment as from the state directory.
package struct DriftReportPage: Sendable {
    package var report: DriftCheck.Report
    package var title: String
    /// What the daemon did about it, e.g. "rolled production back from v4 to v3".
    package var decision: String
    /// Human-readable time of the check.
    package var checkedAt: String
    package var modelVersion: String
    /// What the check made of the prediction-log lines it read.
    package var lines: LogLineCounts

    package init(
        report: DriftCheck.Report, title: String = "churnd drift report", decision: String, checkedAt: String,
        modelVersion: String, lines: LogLineCounts
    ) {
        self.report = report
        self.lines = lines
        self.title = title
        self.decision = decision
        self.checkedAt = checkedAt
        self.modelVersion = modelVersion
    }

    /// "v3" for registry versions, the label itself otherwise.
    var versionName: String {
        Int(modelVersion) != nil ? "v\(modelVersion)" : modelVersion
    }

    package func html() -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>\(escape(title))</title>
            <style>
            \(HTML.baseStyle)
            </style></head><body>
            <h1>\(escape(title))</h1>
            <div class="meta">checked \(escape(checkedAt)) · model \(escape(versionName)) · \(report.records) recent records</div>
            <div class="meta">\(escape(lines.summary))</div>

            """
        for skipped in lines.skippedLines { page += "<div class=\"meta\">\(escape(skipped))</div>\n" }
        if let warning = lines.warning { page += "<div class=\"meta\">\(escape(warning))</div>\n" }
        let verdictClass = !report.enoughData ? "na" : (report.alert ? "alert" : "ok")
        let verdict = !report.enoughData ? "Not enough data" : (report.alert ? "Drift alert" : "No drift")
        page += "<div class=\"verdict \(verdictClass)\">\(verdict): \(escape(report.reason))<br>"
        page += "Decision: \(escape(decision))</div>\n"
        if !report.tests.isEmpty {
            page += "<h2>Tests</h2><table><tr><th>feature</th><th>test</th><th class=num>statistic</th>"
            page += "<th class=num>p-value</th><th class=num>threshold</th><th class=num>effect</th>"
            page += "<th class=num>floor</th><th class=num>PSI</th><th>drift</th></tr>\n"
            for test in report.tests {
                page +=
                    "<tr\(test.drifted ? " class=drift" : "")><td>\(escape(test.feature))</td><td>\(testName(test.kind))</td>"
                page += "<td class=num>\(format(test.statistic, 2))</td><td class=num>\(formatP(test.pValue))</td>"
                page += "<td class=num>&lt; \(formatP(test.alpha))</td>"
                page += "<td class=num>\(escape(DriftCheck.effectText(test)))</td>"
                page += "<td class=num>≥ \(escape(DriftCheck.effectValue(test.minEffect, test.kind)))</td>"
                page += "<td class=num>\(test.psi.map { format($0, 3) } ?? "–")</td>"
                page += "<td>\(test.drifted ? "yes" : "no")</td></tr>\n"
            }
            page += "</table>\n"
        }
        for feature in report.features {
            page += "<div class=card><h2>\(escape(feature.feature))</h2>"
            var facts: [String] = ["\(feature.count) values"]
            if let train = feature.trainMean, let recent = feature.recentMean {
                facts.append("mean \(format(recent, 3)) recent vs \(format(train, 3)) in training")
            }
            if let z = feature.referenceZ { facts.append("reference z \(format(z, 2))") }
            if let unseen = feature.unseen, unseen > 0 {
                facts.append("\(unseen) value\(unseen == 1 ? "" : "s") unseen in training")
            }
            page += "<div class=meta>\(facts.joined(separator: " · "))</div>"
            page += "<div class=legend><span style=\"background:#4c6ef5\"></span>training"
            page += "<span style=\"background:#f08c00\"></span>recent</div>"
            page += chart(feature) + "</div>\n"
        }
        page += "</body></html>\n"
        return page
    }

    func testName(_ kind: String) -> String {
        switch kind {
        case "mean": return "mean (z)"
        case "bins": return "quantile bins (χ²)"
        default: return "levels (χ²)"
        }
    }

    /// Grouped bars: training and recent share per bucket.
    func chart(_ feature: DriftCheck.FeatureSummary) -> String {
        let buckets = feature.buckets.count
        guard buckets > 0, feature.recentShares.count == buckets else { return "" }
        let width = 720.0, height = 230.0, left = 64.0, bottom = 56.0, top = 10.0
        let plotHeight = height - bottom - top
        let slot = (width - left) / Double(buckets)
        let bar = max(2, min(28, slot * 0.38))
        let trainShares =
            feature.trainShares.count == buckets ? feature.trainShares : Array(repeating: 0, count: buckets)
        let peak = max((trainShares + feature.recentShares).max() ?? 0, 0.01)
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" "
        svg += "aria-label=\"training vs recent distribution of \(escape(feature.feature))\">"
        for tick in 0...4 {
            let share = peak * Double(tick) / 4
            let y = top + plotHeight * (1 - Double(tick) / 4)
            svg +=
                "<line x1=\"\(Int(left))\" x2=\"\(Int(width))\" y1=\"\(format(y, 1))\" y2=\"\(format(y, 1))\" stroke=\"#e3e6ea\"/>"
            svg +=
                "<text x=\"\(Int(left) - 4)\" y=\"\(format(y + 4, 1))\" text-anchor=\"end\">\(Int((share * 100).rounded()))%</text>"
        }
        for k in 0..<buckets {
            let x = left + slot * Double(k) + slot / 2
            for (offset, share, color) in [
                (-bar, trainShares[k], "#4c6ef5"), (0.0, feature.recentShares[k], "#f08c00"),
            ] {
                let h = plotHeight * share / peak
                svg +=
                    "<rect x=\"\(format(x + offset, 1))\" y=\"\(format(top + plotHeight - h, 1))\" width=\"\(format(bar, 1))\" "
                svg += "height=\"\(format(h, 1))\" fill=\"\(color)\"><title>\(escape(feature.buckets[k])): "
                svg += "\(format(share * 100, 1))%</title></rect>"
            }
            let label = feature.buckets[k].count > 14 ? String(feature.buckets[k].prefix(13)) + "…" : feature.buckets[k]
            let rotate =
                buckets > 8 ? " transform=\"rotate(-35 \(format(x, 1)) \(format(height - bottom + 14, 1)))\"" : ""
            svg +=
                "<text x=\"\(format(x, 1))\" y=\"\(format(height - bottom + 14, 1))\" text-anchor=\"\(buckets > 8 ? "end" : "middle")\"\(rotate)>"
            svg += "\(escape(label))</text>"
        }
        return svg + "</svg>"
    }

    func escape(_ text: String) -> String { HTML.escape(text) }
}
