import ArgumentParser
import ChurnCore
import ChurnServe
import ChurnStore

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The serving version and since when, the last training run, and counts of versions and runs.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    struct RunJSON: Encodable {
        var id: Int64?
        var startedAt: String
        var seconds: Double
        var actor: String
        var outcome: String
        var reason: String
        var version: Int?
        var rows: Int?
    }

    func run() throws {
        let config = try common.load()
        let lifecycle = try common.lifecycle(config: config)
        let status = try lifecycle.status()
        let drift = try DriftReports(directory: try common.resolve(config.paths.state) + "/reports").newest()
        // Training runs by outcome, which add up to the total; the families a run trained but did not choose
        // (not_selected records) are counted apart.
        let outcomes = TrainingRunRecord.Outcome.all.filter { $0 != .notSelected }
        let runs = outcomes.map { status.runCounts[$0] ?? 0 }.reduce(0, +)
        let otherFamilies = status.runCounts[.notSelected] ?? 0
        let lastRun = status.lastRun.map { run in
            RunJSON(
                id: run.id, startedAt: timestamp(run.startedAt, iso: true), seconds: run.seconds, actor: run.actor.name,
                outcome: run.outcome.rawValue, reason: run.reason, version: run.version, rows: run.rows)
        }
        if json {
            struct Output: Encodable {
                var model: String
                var registry: String
                var serving: Int?
                var servingSince: String?
                var servingMove: AliasEventJSON?
                var lastRun: RunJSON?
                var versions: Int
                /// `total` and the count of each outcome, which add up to it.
                var runs: [String: Int]
                /// Families trained alongside a run's chosen one, recorded as `not_selected`.
                var otherFamilies: Int
                var lastDrift: DriftJSON?
            }
            struct DriftJSON: Encodable {
                var checkedAt: String
                var modelVersion: String
                var alert: Bool
                var reason: String
                var decision: String
                var lines: LogLineCounts?
            }
            var counts: [String: Int] = ["total": runs]
            for outcome in outcomes { counts[outcome.rawValue] = status.runCounts[outcome] ?? 0 }
            try printJSON(
                Output(
                    model: status.modelName, registry: lifecycle.registry.path, serving: status.serving?.version,
                    servingSince: status.serving.map { timestamp($0.movedAt, iso: true) },
                    servingMove: status.servingSince.map(AliasEventJSON.init), lastRun: lastRun,
                    versions: status.versionCount, runs: counts, otherFamilies: otherFamilies,
                    lastDrift: drift.map {
                        DriftJSON(
                            checkedAt: timestamp($0.checkedAt, iso: true), modelVersion: $0.modelVersion,
                            alert: $0.report.alert, reason: $0.report.reason, decision: $0.decision, lines: $0.lines)
                    }))
            return
        }
        var rows: [[String]] = [["model", "\(status.modelName) (registry \(lifecycle.registry.path))"]]
        if let serving = status.serving {
            var text = "v\(serving.version) (production) since \(timestamp(serving.movedAt))"
            if let move = status.servingSince {
                let verb = move.kind == .promote ? "promoted" : "rolled back to"
                text += ", \(verb) by \(move.actor): \(move.reason)"
            }
            rows.append(["serving", text])
        } else {
            rows.append([
                "serving", "nothing yet: train a model (churnd train) or promote one (churnd promote VERSION)",
            ])
        }
        if let run = status.lastRun {
            rows.append([
                "last run",
                "#\(run.id ?? 0) at \(timestamp(run.startedAt)) by \(run.actor), \(fixed(run.seconds, 1)) s, "
                    + "\(run.outcome.rawValue): \(run.reason)",
            ])
        } else {
            rows.append(["last run", "none yet"])
        }
        if let drift {
            var text =
                "last check at \(timestamp(drift.checkedAt)) on \(LogLineCounts.name(drift.modelVersion)): \(drift.report.reason); "
                + "decision: \(drift.decision)"
            if let lines = drift.lines { text += "; \(lines.summary)" }
            rows.append(["drift", text])
        } else {
            rows.append(["drift", "no check recorded yet"])
        }
        rows.append(["counts", Self.counts(versions: status.versionCount, runs: status.runCounts)])
        print(table(rows))
    }

    /// "2 versions · 3 training runs (2 promoted, 1 kept); 3 other families recorded": the outcomes in
    /// parentheses add up to the runs; zero counts are left out.
    static func counts(versions: Int, runs counts: [TrainingRunRecord.Outcome: Int]) -> String {
        let outcomes = TrainingRunRecord.Outcome.all.filter { $0 != .notSelected }
        let total = outcomes.map { counts[$0] ?? 0 }.reduce(0, +)
        let parts = outcomes.compactMap { outcome in
            (counts[outcome] ?? 0) > 0 ? "\(grouped(counts[outcome] ?? 0)) \(outcome.rawValue)" : nil
        }
        var text = "\(counted(versions, "version", "versions")) · \(counted(total, "training run", "training runs"))"
        if !parts.isEmpty { text += " (\(parts.joined(separator: ", ")))" }
        let others = counts[.notSelected] ?? 0
        if others > 0 { text += "; \(counted(others, "other family", "other families")) recorded" }
        return text
    }
}
