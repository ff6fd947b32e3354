import ArgumentParser
import ChurnCore
import ChurnServe
import ChurnStore

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Training runs, newest first: time, outcome, version, family, rows, cross-validated and test F1, "
            + "input files, duration, reason.",
        discussion: """
            Every run is listed, whatever became of it: promoted, kept (registered, not serving), refused (below \
            the gate), failed (with its error), and not_selected (a family trained on the same split as the \
            chosen one, recorded with its metrics). CV F1 is the mean ± standard deviation of the folds' F1 of a \
            cross-validated run (up to training.cv_max_rows rows); --json adds the settings chosen and every \
            setting tried.
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "At most this many runs.")
    var limit: Int = 20

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be 1 or more") }
    }

    func run() throws {
        let lifecycle = try common.lifecycle(config: try common.load())
        let runs = try lifecycle.registry.runs(model: lifecycle.modelName, limit: limit)
        if json {
            try printJSON(try RegistryViews.runs(lifecycle, limit: limit))
            return
        }
        guard !runs.isEmpty else {
            print(
                "no training runs of \(lifecycle.modelName) yet: drop labeled CSVs into watch/data (the daemon "
                    + "trains on them) or run churnd train")
            return
        }
        var rows = [
            ["#", "STARTED", "OUTCOME", "VERSION", "FAMILY", "ROWS", "CV F1", "TEST F1", "FILES", "SECONDS", "REASON"]
        ]
        for run in runs {
            rows.append([
                run.id.map { "\($0)" } ?? "", timestamp(run.startedAt), run.outcome.rawValue,
                run.version.map { "v\($0)" } ?? "–", run.metrics == nil ? "–" : run.parameters.family,
                run.rows.map(grouped) ?? "–",
                run.crossValidation.map { "\(fixed($0.f1Mean, 4)) ± \(fixed($0.f1Std, 4))" } ?? "–",
                run.metrics.map { fixed($0.f1, 4) } ?? "–", Self.files(run.inputs), fixed(run.seconds, 1),
                run.reason.split(whereSeparator: \.isNewline).joined(separator: " "),
            ])
        }
        print(table(rows))
    }

    /// "a.csv", or "a.csv +2 more"; "–" when the run read none.
    static func files(_ inputs: [InputFile]) -> String {
        guard let first = inputs.first else { return "–" }
        let name = first.path.split(separator: "/").last.map(String.init) ?? first.path
        return inputs.count == 1 ? name : "\(name) +\(inputs.count - 1) more"
    }
}
