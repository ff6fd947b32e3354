import ArgumentParser
import ChurnCore
import ChurnStore

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
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

    /// One run as `--json` shows it: every key always present, `null` where a run has no value (a failed run
    /// has no version, family or metrics).
    struct RunJSON: Encodable {
        struct Input: Encodable {
            var path: String
            var sha256: String
            var bytes: Int
            var rows: Int
        }

        var id: Int64?
        var startedAt: String
        var finishedAt: String
        var seconds: Double
        var actor: String
        var outcome: String
        var version: Int?
        var championVersion: Int?
        /// The family of the run's model; nil when it failed before training one.
        var family: String?
        var rows: Int?
        var testF1: Double?
        /// Mean and sample standard deviation of the folds' F1, for a cross-validated run.
        var cvF1Mean: Double?
        var cvF1Std: Double?
        var testRocAUC: Double?
        var threshold: Double?
        var inputs: [Input]
        var refusedFiles: [String]
        var reason: String
        var churndVersion: String
        var crossValidation: CrossValidationReport?

        init(_ run: TrainingRunRecord) {
            id = run.id
            startedAt = timestamp(run.startedAt, iso: true)
            finishedAt = timestamp(run.finishedAt, iso: true)
            seconds = run.seconds
            actor = run.actor.name
            outcome = run.outcome.rawValue
            version = run.version
            championVersion = run.championVersion
            family = run.metrics == nil ? nil : run.parameters.family
            rows = run.rows
            testF1 = run.metrics?.f1
            cvF1Mean = run.crossValidation?.f1Mean
            cvF1Std = run.crossValidation?.f1Std
            testRocAUC = run.metrics?.rocAUC
            threshold = run.metrics?.threshold
            inputs = run.inputs.map { Input(path: $0.path, sha256: $0.sha256, bytes: $0.bytes, rows: $0.rows) }
            refusedFiles = run.refusedFiles
            reason = run.reason
            churndVersion = run.churndVersion
            crossValidation = run.crossValidation
        }

        private enum CodingKeys: String, CodingKey {
            case id, startedAt, finishedAt, seconds, actor, outcome, version, championVersion, family, rows, testF1
            case cvF1Mean, cvF1Std, testRocAUC, threshold, inputs, refusedFiles, reason, churndVersion, crossValidation
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(startedAt, forKey: .startedAt)
            try c.encode(finishedAt, forKey: .finishedAt)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(actor, forKey: .actor)
            try c.encode(outcome, forKey: .outcome)
            try c.encode(version, forKey: .version)
            try c.encode(championVersion, forKey: .championVersion)
            try c.encode(family, forKey: .family)
            try c.encode(rows, forKey: .rows)
            try c.encode(testF1, forKey: .testF1)
            try c.encode(cvF1Mean, forKey: .cvF1Mean)
            try c.encode(cvF1Std, forKey: .cvF1Std)
            try c.encode(testRocAUC, forKey: .testRocAUC)
            try c.encode(threshold, forKey: .threshold)
            try c.encode(inputs, forKey: .inputs)
            try c.encode(refusedFiles, forKey: .refusedFiles)
            try c.encode(reason, forKey: .reason)
            try c.encode(churndVersion, forKey: .churndVersion)
            try c.encode(crossValidation, forKey: .crossValidation)
        }
    }

    func run() throws {
        let lifecycle = try common.lifecycle(config: try common.load())
        let runs = try lifecycle.registry.runs(model: lifecycle.modelName, limit: limit)
        if json {
            struct Output: Encodable {
                var model: String
                var runs: [RunJSON]
            }
            try printJSON(Output(model: lifecycle.modelName, runs: runs.map(RunJSON.init)))
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
