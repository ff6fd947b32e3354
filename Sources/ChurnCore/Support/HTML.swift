/// What churnd's self-contained HTML pages share (the drift report, the dashboard): escaping of every string
/// that comes from data, and the base style sheet, inline so a page needs nothing from the network.
package enum HTML {
    /// Text safe in element content and in double- or single-quoted attribute values.
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The base style sheet: type, headings, verdict banners, tables, cards, legends, chart text.
    package static let baseStyle = """
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:62rem;padding:0 1rem;color:#1d2430}
        h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:0 0 .5rem}
        .meta{color:#5b6472;margin-bottom:1rem}
        .verdict{padding:.75rem 1rem;border-radius:6px;margin:1rem 0;font-weight:600}
        .alert{background:#fdecea;border-left:6px solid #c62828}.ok{background:#e8f5e9;border-left:6px solid #2e7d32}
        .na{background:#f1f3f5;border-left:6px solid #868e96}
        table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem;font-variant-numeric:tabular-nums}
        th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e3e6ea}th{color:#5b6472;font-weight:600}
        td.num{text-align:right}tr.drift td{background:#fff4f4;font-weight:600}
        .card{border:1px solid #e3e6ea;border-radius:8px;padding:1rem;margin:0 0 1rem}
        .legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 .9rem;vertical-align:-1px}
        svg text{font:11px system-ui,sans-serif;fill:#5b6472}
        """
}
