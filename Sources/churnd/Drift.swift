import ArgumentParser
import ChurnCore
import ChurnStore
import Foundation

struct Drift: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Check recent predictions for drift against the model's training statistics.",
        discussion: """
            Reads the last --last-n records of the model's version from every *.log / *.jsonl in watch/logs,
            runs the reference z-score and the distribution tests, writes state/reports/drift-<time>.json and,
            with --html or on an alert, an HTML page. A line whose model_version is not a version number (an
            MLflow URI such as models:/churn_model@production, a file name, or none) counts for the version
            that served at its ts (from the alias history); models:/NAME/N means version N. It prints how many
            lines were read, used and skipped (by reason). --simulate instead measures the alert rule on generated
            data: false alarms without drift and detection for each of the four generated shifts.
            """)

    @OptionGroup var common: CommonOptions

    /// The reference: the serving version's training statistics unless another model is named.
    @OptionGroup var choice: ModelChoice

    @Option(name: .long, help: "Records per check (default: [drift] last_n, 500).")
    var lastN: Int?

    @Option(name: .long, help: "Also write the report as an HTML page here.")
    var html: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Measure false alarms and detection on generated windows instead of reading logs.")
    var simulate = false

    @Option(name: .long, help: "Windows per scenario with --simulate.")
    var windows: Int = 1000

    @Option(name: .long, help: "Seed for --simulate.")
    var seed: UInt64 = 1

    func validate() throws {
        if let lastN, lastN < 10 { throw ValidationError("--last-n must be at least 10") }
        guard windows >= 1 else { throw ValidationError("--windows must be at least 1") }
    }

    func run() throws {
        if simulate { return try runSimulation() }
        let config = try common.load()
        let artifact = try choice.load(common: common, config: config)
        let lifecycle = try common.lifecycle(config: config)
        var windows = PredictionWindows(
            schema: artifact.schema, capacity: lastN ?? config.drift.lastN,
            attribution: try lifecycle.registry.attribution(model: lifecycle.modelName))
        let logs = try common.resolve(config.paths.watch) + "/logs"
        for path in try PredictionLogFiles.list(in: logs) {
            try PredictionLogFiles.forEachRawLine(in: path) { windows.ingest(bytes: $0) }
        }
        let version = artifact.versionLabel(fallback: "unregistered")
        var settings = config.drift.checkSettings
        settings.minRecords = min(settings.minRecords, lastN ?? config.drift.lastN)
        let report = DriftCheck(settings: settings).run(
            windows.window(version: version), reference: artifact.featureStatistics)
        let lines = windows.counts(version: version, used: report.records)
        let now = Date()
        let decision = report.alert ? "alert only (checked from the command line; the daemon acts on alerts)" : "none"
        let record = DriftRecord(
            checkedAt: now.timeIntervalSince1970, modelVersion: version, decision: decision, lines: lines,
            report: report)
        let page = DriftReportPage(
            report: report, decision: decision, checkedAt: CalendarTime.utcText(now.timeIntervalSince1970),
            modelVersion: version, lines: lines)
        let written = try DriftReports(directory: try common.resolve(config.paths.state) + "/reports")
            .write(record, page: report.alert && html == nil ? page : nil, at: now)
        if let html { try FileSystem.writeAtomically(html, bytes: Array(page.html().utf8)) }
        if !json, let pagePath = html ?? (report.alert ? String(written.dropLast(4)) + "html" : nil) {
            print("report page → \(pagePath)")
        }
        let encoder = JSONEncoder.readable()
        if json {
            // The report's fields, and what was made of the log lines under "lines".
            var object = try JSONSerialization.jsonObject(with: try encoder.encode(report)) as? [String: Any] ?? [:]
            object["lines"] = try JSONSerialization.jsonObject(with: try encoder.encode(lines))
            let data = try JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            if let warning = lines.warning { writeStandardError("warning: \(warning)\n") }
        } else {
            print(
                "\(report.alert ? "DRIFT" : "ok"): \(report.reason) (\(report.records) records of \(Int(version) != nil ? "v" + version : version))"
            )
            for test in report.tests where test.significant || test.drifted {
                print("  \(test.line)")
            }
            print("  \(lines.summary)")
            for line in lines.skippedLines { print("  \(line)") }
            if let warning = lines.warning { print("warning: \(warning)") }
        }
        if report.alert { throw CommandFailure(message: "") }
    }

    func runSimulation() throws {
        let config = try common.load(requireRoot: false)
        var simulation = DriftSimulation()
        simulation.settings = config.drift.checkSettings
        simulation.windowSize = lastN ?? config.drift.lastN
        let rates = try simulation.run(windows: windows, seed: seed)
        print(
            "drift rule on generated windows of \(simulation.windowSize) records, \(windows) windows per scenario (seed \(seed), "
                + "false_alarm_rate \(simulation.settings.familyAlpha))")
        print("scenario".padding(toLength: 34, withPad: " ", startingAt: 0) + "  alerts   rate     reference z ≥ 2.5")
        for rate in rates {
            let share = fixed(rate.rate * 100, 2) + "%"
            let reference = fixed(Double(rate.referenceAlerts) / Double(rate.windows) * 100, 2) + "%"
            print(
                rate.scenario.padding(toLength: 34, withPad: " ", startingAt: 0)
                    + "  \(String(rate.alerts).leftPad(6))   \(share.leftPad(7))  \(reference.leftPad(7))")
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
