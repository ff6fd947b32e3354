import CoreMetrics

/// churnd's metrics, named per Prometheus conventions, and the one-line calls that record them through
/// swift-metrics. Until a process bootstraps the `MetricsSystem` (the daemon and `churnd serve` do, with
/// swift-prometheus; see ChurnServe's `MetricsExport`) every call is a no-op, so the CLI pays nothing.
///
/// Two kinds: events counted where they happen in this process (files scored, training runs, drift checks,
/// HTTP requests), and state read from the registry and the folders when the metrics are exported (the
/// serving version per alias, alias moves, live F1, the latest p-values, the inbox backlog, the prediction
/// log's size), so what another process did (a promote from the CLI) shows too.
package enum ChurnMetrics {
    /// One metric family: its name, type, labels and the HELP text the exporter adds.
    package struct Family: Sendable, Hashable {
        package enum Kind: String, Sendable { case counter, gauge, histogram }
        package var name: String
        package var kind: Kind
        package var labels: [String]
        package var help: String

        init(_ name: String, _ kind: Kind, labels: [String] = [], _ help: String) {
            self.name = name
            self.kind = kind
            self.labels = labels
            self.help = help
        }
    }

    package static let filesScored = Family(
        "churnd_files_scored_total", .counter, "Inbox files scored, their outputs published.")
    package static let rowsScored = Family(
        "churnd_rows_scored_total", .counter, "Rows scored in inbox files (rows with an error not included).")
    package static let rowErrors = Family(
        "churnd_row_errors_total", .counter,
        "Rows of scored inbox files refused with an error (in the file's .errors.csv).")
    package static let filesQuarantined = Family(
        "churnd_files_quarantined_total", .counter, labels: ["source"],
        "Files moved to state/quarantine with a reason, by where they were dropped (inbox, data, labels).")
    package static let fileScoringSeconds = Family(
        "churnd_file_scoring_seconds", .histogram, "Time from claiming an inbox file to its published outputs.")
    package static let httpRequests = Family(
        "churnd_http_requests_total", .counter, labels: ["route", "status"],
        "HTTP requests answered, by route pattern and status code.")
    package static let httpRequestSeconds = Family(
        "churnd_http_request_seconds", .histogram, labels: ["route"], "HTTP request latency by route pattern.")
    package static let trainingRuns = Family(
        "churnd_training_runs_total", .counter, labels: ["outcome"],
        "Training runs of this process by outcome (promoted, kept, refused, failed).")
    package static let trainingSeconds = Family(
        "churnd_training_seconds", .histogram, "Duration of this process's training runs.")
    package static let servingVersion = Family(
        "churnd_serving_version", .gauge, labels: ["alias"],
        "Version each alias points to, read from the registry at scrape time.")
    package static let aliasMoves = Family(
        "churnd_alias_moves_total", .counter, labels: ["actor"],
        "Alias moves recorded in the registry's audit log (any process), by actor.")
    package static let driftChecks = Family(
        "churnd_drift_checks_total", .counter, "Drift checks run by this process.")
    package static let driftAlerts = Family(
        "churnd_drift_alerts_total", .counter, "Drift checks of this process that raised an alert.")
    package static let driftPValue = Family(
        "churnd_drift_p_value", .gauge, labels: ["feature", "test"],
        "p-value of each test of the latest drift report in state/reports (mean, bins, levels).")
    package static let liveF1 = Family(
        "churnd_live_f1", .gauge, labels: ["version"],
        "F1 of each version over its last [live] window_rows labeled predictions.")
    package static let inboxBacklog = Family(
        "churnd_inbox_backlog", .gauge, "Files waiting in the inbox or being scored (state/processing).")
    package static let predictionLogBytes = Family(
        "churnd_prediction_log_bytes", .gauge, "Size of the prediction logs in watch/logs, rotated one included.")

    /// Every family, in the order the documentation lists them.
    package static let all: [Family] = [
        filesScored, rowsScored, rowErrors, filesQuarantined, fileScoringSeconds, httpRequests, httpRequestSeconds,
        trainingRuns, trainingSeconds, servingVersion, aliasMoves, driftChecks, driftAlerts, driftPValue, liveF1,
        inboxBacklog, predictionLogBytes,
    ]

    /// Where a quarantined file was dropped.
    package enum Source: String, Sendable { case inbox, data, labels }

    // MARK: Events

    /// An inbox file scored: `rows` scored, `rowErrors` refused, `seconds` from claim to published outputs.
    package static func fileScored(rows: Int, rowErrors: Int, seconds: Double) {
        Counter(label: filesScored.name).increment()
        Counter(label: rowsScored.name).increment(by: rows)
        Counter(label: self.rowErrors.name).increment(by: rowErrors)
        Timer(label: fileScoringSeconds.name).recordSeconds(seconds)
    }

    /// A file moved to the quarantine.
    package static func fileQuarantined(_ source: Source) {
        Counter(label: filesQuarantined.name, dimensions: [("source", source.rawValue)]).increment()
    }

    /// A training run finished with `outcome` (the registry's word: promoted, kept, refused, failed).
    package static func trainingRun(outcome: String, seconds: Double) {
        Counter(label: trainingRuns.name, dimensions: [("outcome", outcome)]).increment()
        Timer(label: trainingSeconds.name).recordSeconds(seconds)
    }

    /// A drift check ran; `alert` when it raised one.
    package static func driftCheck(alert: Bool) {
        Counter(label: driftChecks.name).increment()
        if alert { Counter(label: driftAlerts.name).increment() }
    }

    /// An HTTP request answered. `route` is the route's pattern (`/models/{version}`), never the raw path, so
    /// the number of series stays bounded.
    package static func httpRequest(route: String, status: Int, seconds: Double) {
        let series = httpRequestSeries(route: route, status: status)
        series.requests.increment()
        series.seconds.recordSeconds(seconds)
    }

    /// The two series one HTTP request updates, for a caller that keeps them (a lookup per request costs more
    /// than the update).
    package static func httpRequestSeries(route: String, status: Int) -> (requests: Counter, seconds: Timer) {
        (
            Counter(label: httpRequests.name, dimensions: [("route", route), ("status", String(status))]),
            Timer(label: httpRequestSeconds.name, dimensions: [("route", route)])
        )
    }

    /// Creates the unlabeled series at zero, so a scrape shows them (and `rate()` works) before the first event.
    package static func touch() {
        for family in all where family.labels.isEmpty {
            switch family.kind {
            case .counter: Counter(label: family.name).increment(by: 0)
            case .histogram: _ = Timer(label: family.name)
            case .gauge: break
            }
        }
    }

    // MARK: State read at export time

    /// Sets one series of a gauge family.
    package static func set(_ family: Family, _ labels: [(String, String)], to value: Double) {
        Gauge(label: family.name, dimensions: labels).record(value)
    }

    /// Removes one series of a gauge family (e.g. an alias that no longer exists).
    package static func remove(_ family: Family, _ labels: [(String, String)]) {
        Gauge(label: family.name, dimensions: labels).destroy()
    }

    /// Adds `amount` to one series of a counter family (state counted from the registry: the exporter adds what
    /// it has not counted yet).
    package static func add(_ family: Family, _ labels: [(String, String)], _ amount: Int) {
        Counter(label: family.name, dimensions: labels).increment(by: amount)
    }
}
