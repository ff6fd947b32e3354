import ChurnCore
import Foundation

/// Inline SVG charts for the dashboard: lines over time, bars per time bucket, and lanes of intervals (the alias
/// timeline). Every string from data goes through `HTML.escape`; each chart is one `<svg>` with a `<title>` per
/// mark, so hovering names the value without any script.
struct SVGChart {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
        /// Points drawn as filled red dots (e.g. checks where a test drifted).
        var flagged: Set<Int> = []
    }

    var width = 720.0
    var height = 170.0
    var left = 56.0
    var right = 12.0
    var top = 10.0
    var bottom = 36.0
    var label: String

    static let palette = ["#4c6ef5", "#f08c00", "#2f9e44", "#ae3ec9", "#1098ad", "#e8590c", "#5c7cfa", "#d6336c"]

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }

    /// Lines against time (x in UNIX seconds). `yRange` fixes the axis (e.g. 0…1 for F1); `threshold` draws a
    /// dashed horizontal line with its label.
    func lines(
        _ series: [Series], yRange: ClosedRange<Double>? = nil, yFormat: (Double) -> String,
        threshold: (value: Double, label: String)? = nil
    ) -> String {
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.map(\.y) } + (threshold.map { [$0.value] } ?? [])
        guard let minX = xs.min(), let maxX = xs.max() else { return "" }
        var range = yRange ?? ((ys.min() ?? 0)...(ys.max() ?? 1))
        if range.upperBound - range.lowerBound < 1e-9 { range = (range.lowerBound - 0.5)...(range.upperBound + 0.5) }
        func px(_ x: Double) -> Double {
            maxX > minX ? left + plotWidth * (x - minX) / (maxX - minX) : left + plotWidth / 2
        }
        func py(_ y: Double) -> Double {
            let clamped = min(max(y, range.lowerBound), range.upperBound)
            return top + plotHeight * (1 - (clamped - range.lowerBound) / (range.upperBound - range.lowerBound))
        }
        var svg = open()
        svg += axes(
            yTicks: (0...4).map { range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / 4 },
            py: py, yFormat: yFormat)
        svg += timeLabels(minX: minX, maxX: maxX, px: px)
        if let threshold {
            let y = f(py(threshold.value))
            svg += "<line class=\"threshold\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(y)\" y2=\"\(y)\" "
            svg += "stroke=\"#c62828\" stroke-dasharray=\"4 3\"/>"
            svg += "<text x=\"\(f(width - right))\" y=\"\(f(py(threshold.value) - 3))\" text-anchor=\"end\">"
            svg += "\(HTML.escape(threshold.label))</text>"
        }
        for series in series {
            let coordinates = series.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }
            if coordinates.count > 1 {
                svg += "<polyline class=\"series\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"2\" "
                svg +=
                    "points=\"\(coordinates.joined(separator: " "))\"><title>\(HTML.escape(series.name))</title></polyline>"
            }
            for (index, point) in series.points.enumerated() {
                let flagged = series.flagged.contains(index)
                svg +=
                    "<circle class=\"point\" cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"\(flagged ? 4 : 2.5)\" "
                svg += "fill=\"\(flagged ? "#c62828" : series.color)\"><title>\(HTML.escape(series.name)) "
                svg +=
                    "\(HTML.escape(CalendarTime.utcText(point.x))): \(HTML.escape(yFormat(point.y)))</title></circle>"
            }
        }
        return svg + "</svg>"
    }

    /// Stacked bars per bucket (x: bucket start in UNIX seconds, `size` seconds wide).
    func bars(_ buckets: [(start: Double, values: [Double])], size: Double, colors: [String], names: [String])
        -> String
    {
        guard let first = buckets.first, let last = buckets.last else { return "" }
        let peak = max(buckets.map { $0.values.reduce(0, +) }.max() ?? 0, 1)
        let minX = first.start
        let maxX = last.start + size
        func px(_ x: Double) -> Double { left + plotWidth * (x - minX) / (maxX - minX) }
        func py(_ y: Double) -> Double { top + plotHeight * (1 - y / peak) }
        var svg = open()
        svg += axes(yTicks: (0...4).map { peak * Double($0) / 4 }, py: py) { NumberFormat.grouped(Int($0.rounded())) }
        svg += timeLabels(minX: minX, maxX: maxX, px: px)
        let barWidth = max(1, plotWidth / Double(buckets.count) - 2)
        for bucket in buckets {
            var base = 0.0
            for (index, value) in bucket.values.enumerated() where value > 0 {
                let y0 = py(base)
                let y1 = py(base + value)
                svg += "<rect class=\"bar\" x=\"\(f(px(bucket.start) + 1))\" y=\"\(f(y1))\" width=\"\(f(barWidth))\" "
                svg += "height=\"\(f(y0 - y1))\" fill=\"\(colors[index % colors.count])\"><title>"
                svg += "\(HTML.escape(CalendarTime.utcText(bucket.start))): \(Int(value)) \(HTML.escape(names[index]))"
                svg += "</title></rect>"
                base += value
            }
        }
        return svg + "</svg>"
    }

    /// One lane per name; each interval a coloured segment with its text (e.g. "v3") inside.
    func lanes(_ lanes: [(name: String, segments: [(from: Double, to: Double, text: String, color: String)])])
        -> String
    {
        let all = lanes.flatMap { $0.segments }
        guard let minX = all.map(\.from).min(), let maxX = all.map(\.to).max() else { return "" }
        var chart = self
        chart.left = 96
        chart.height = top + bottom + Double(lanes.count) * 30
        let spanX = max(maxX - minX, 1)
        func px(_ x: Double) -> Double { chart.left + chart.plotWidth * (x - minX) / spanX }
        var svg = chart.open()
        svg += chart.timeLabels(minX: minX, maxX: maxX, px: px)
        for (row, lane) in lanes.enumerated() {
            let y = top + Double(row) * 30
            svg +=
                "<text x=\"\(f(chart.left - 6))\" y=\"\(f(y + 18))\" text-anchor=\"end\">\(HTML.escape(lane.name))</text>"
            for segment in lane.segments {
                let x0 = px(segment.from)
                let w = max(px(segment.to) - x0, 3)
                svg +=
                    "<rect class=\"segment\" x=\"\(f(x0))\" y=\"\(f(y + 4))\" width=\"\(f(w))\" height=\"22\" rx=\"3\" "
                svg += "fill=\"\(segment.color)\"><title>\(HTML.escape(lane.name)) \(HTML.escape(segment.text)) from "
                svg += "\(HTML.escape(CalendarTime.utcText(segment.from)))</title></rect>"
                if w > 24 {
                    svg +=
                        "<text x=\"\(f(x0 + 5))\" y=\"\(f(y + 19))\" style=\"fill:#fff\">\(HTML.escape(segment.text))</text>"
                }
            }
        }
        return svg + "</svg>"
    }

    private func open() -> String {
        "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"\(HTML.escape(label))\">"
    }

    private func axes(yTicks: [Double], py: (Double) -> Double, yFormat: (Double) -> String) -> String {
        var svg = ""
        for tick in yTicks {
            let y = f(py(tick))
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#e3e6ea\"/>"
            svg +=
                "<text x=\"\(f(left - 4))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\">\(HTML.escape(yFormat(tick)))</text>"
        }
        return svg
    }

    /// Start and end times under the plot (and the middle when there is room).
    private func timeLabels(minX: Double, maxX: Double, px: (Double) -> Double) -> String {
        let marks = maxX - minX < 1 ? [minX] : [minX, (minX + maxX) / 2, maxX]
        var svg = ""
        for (index, x) in marks.enumerated() {
            let anchor =
                marks.count == 1 ? "middle" : (index == 0 ? "start" : (index == marks.count - 1 ? "end" : "middle"))
            svg += "<text x=\"\(f(px(x)))\" y=\"\(f(height - bottom + 16))\" text-anchor=\"\(anchor)\">"
            svg += "\(HTML.escape(Self.shortTime(x)))</text>"
        }
        return svg
    }

    /// "12-03 08:15" (UTC): the axes span hours to weeks.
    static func shortTime(_ seconds: Double) -> String {
        let text = CalendarTime.utcText(seconds)  // "2026-12-03 08:15:02 UTC"
        return String(text.dropFirst(5).prefix(11))
    }

    private func f(_ value: Double) -> String { NumberFormat.fixed(value, 1) }
}
