import ArgumentParser
import ChurnCore
import ChurnStore

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
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
        let lifecycle = try common.lifecycle(config: try common.load())
        let status = try lifecycle.status()
        // Training runs; the families a run trained but did not choose are counted apart (not_selected).
        let runs = status.runCounts.filter { $0.key != .notSelected }.values.reduce(0, +)
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
                var runs: [String: Int]
            }
            var counts: [String: Int] = ["total": runs]
            for outcome in TrainingRunRecord.Outcome.all {
                counts[outcome.rawValue] = status.runCounts[outcome] ?? 0
            }
            try printJSON(
                Output(
                    model: status.modelName, registry: lifecycle.registry.path, serving: status.serving?.version,
                    servingSince: status.serving.map { timestamp($0.movedAt, iso: true) },
                    servingMove: status.servingSince.map(AliasEventJSON.init), lastRun: lastRun,
                    versions: status.versionCount, runs: counts))
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
        let byOutcome = TrainingRunRecord.Outcome.all.map {
            "\(status.runCounts[$0] ?? 0) \($0.rawValue)"
        }
        rows.append([
            "counts",
            "\(status.versionCount) version\(status.versionCount == 1 ? "" : "s") · \(runs) training "
                + "run\(runs == 1 ? "" : "s") (\(byOutcome.joined(separator: ", ")))",
        ])
        print(table(rows))
    }
}
