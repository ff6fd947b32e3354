import ArgumentParser
import ChurnCore
import ChurnStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train every configured model family on labeled CSVs, register the best when it passes the gate, "
            + "promote it when it beats the serving one.",
        discussion: """
            The test rows (training.test_fraction) are set aside first and judge the candidate. Up to \
            training.cv_max_rows other rows, each family (training.families: logistic_regression, xgboost) is \
            cross-validated over them (training.cv_folds folds, a few settings within \
            training.search_budget_seconds), the best out-of-fold F1 chooses the family, its settings and its \
            threshold, and the choice is refit on all of them; above that, each family trains on one split and \
            its threshold is tuned on the validation rows. With --out DIR a copy of \
            the artifact goes to DIR/model.json, and for an xgboost candidate the booster to DIR/model.xgb.json, \
            XGBoost's own JSON model format: in Python, xgboost.Booster(model_file="model.xgb.json") predicts the \
            same probabilities on rows encoded as the artifact's "preprocessing" describes (numerics imputed and \
            standardised, one-hot categoricals, columns named as in booster.feature_names).
            """)

    @OptionGroup var common: CommonOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Labeled CSV files (default: every *.csv in watch/data).")
    var data: [String] = []

    @Option(name: .long, help: "Also write a copy of the model artifact to DIR/model.json.")
    var out: String?

    @Option(name: .long, help: "Also write the split as CSV (row,split) for comparisons with other tools.")
    var writeSplit: String?

    @Flag(help: "Train even when a run already learned from these files with this configuration.")
    var force = false

    @Flag(help: "Print a JSON summary instead of text.")
    var json = false

    func run() throws {
        // Cross-validation trains many small boosters: spinning threads starve under load.
        OpenMP.preferPassiveWaiting()
        let config = try common.load()
        let watch = try common.resolve(config.paths.watch)
        let files = try data.isEmpty ? DataFiles.list(in: watch + "/data") : data
        guard !files.isEmpty else {
            throw ChurnError.usage(
                "no training data: put labeled CSVs in \(watch)/data or pass --data FILE "
                    + "(churnd gen-data --rows 50000 -o watch/data/sample.csv makes some)")
        }
        let lifecycle = try common.lifecycle(config: config)
        let progress = ProgressLine(label: "training")
        let decision: ModelLifecycle.TrainingDecision
        do {
            defer { progress?.finish() }
            decision = try lifecycle.trainUnlessTrained(
                files: files, actor: commandLineActor, force: force,
                whenBusy: {
                    writeStandardError("waiting for the training run in progress on this registry to finish\n")
                }
            ) { progress?.show($0.description) }
        }
        logToMLflow(config: config, lifecycle: lifecycle, stateDirectory: try common.resolve(config.paths.state))
        guard case .trained(let outcome) = decision else {
            guard case .alreadyTrained(let previous) = decision else { return }
            let sentence =
                "already trained on these files with this configuration: run \(previous.id ?? 0) "
                + "(\(previous.briefOutcome)) at \(timestamp(previous.finishedAt)); use --force to train again"
            if json {
                try printJSON(AlreadyTrained(run: previous, summary: sentence))
            } else {
                print(sentence)
            }
            return
        }
        for refusal in outcome.refusedFiles { printError(refusal) }
        for input in outcome.artifact.training.inputs {
            guard let rows = input.outOfBoundsRows else { continue }
            printError(
                "\(input.path): left out \(grouped(rows)) row\(rows == 1 ? "" : "s") with a value outside [schema.bounds]"
            )
        }
        var exported: String?
        if let directory = out {
            try FileSystem.makeDirectory(directory)
            exported = "\(directory)/model.json"
            try FileSystem.writeAtomically("\(directory)/model.json", bytes: Array(try outcome.artifact.encoded()))
            let boosterPath = "\(directory)/model.xgb.json"
            if let xgboost = outcome.artifact.xgboost {
                try FileSystem.writeAtomically(boosterPath, bytes: Array(xgboost.booster.utf8))
            } else if FileSystem.exists(boosterPath) {
                // A booster left from an earlier xgboost candidate would not match this model.
                guard unlink(boosterPath) == 0 || errno == ENOENT else {
                    throw ChurnError.io(path: boosterPath, operation: "unlink", errno: errno)
                }
            }
        }
        if let writeSplit {
            let rows =
                outcome.artifact.training.trainRows + outcome.artifact.training.validationRows
                + outcome.artifact.training.testRows
            try write(split: outcome.split, rows: rows, to: writeSplit)
        }
        if json {
            try printJSON(TrainSummary(outcome: outcome, exported: exported))
        } else {
            print(
                describe(
                    outcome, gate: config.promotion.gateF1, minGain: config.promotion.minF1Gain, exported: exported))
        }
    }

    func describe(_ outcome: ModelLifecycle.TrainingOutcome, gate: Double, minGain: Double, exported: String?)
        -> String
    {
        let a = outcome.artifact
        let m = a.metrics
        // The gate's two rules, as `PromotionPolicy` applies them (a drift rollback may still refuse).
        let beatsConstant = m.f1 - m.f1AllPositive >= minGain - 1e-12
        let eligible = m.f1 >= gate && beatsConstant
        let t = a.training
        let rows = t.trainRows + t.validationRows + t.testRows
        let fileCount = t.inputs.count
        let steps = a.family == ModelFamily.xgboost.rawValue ? "boosting rounds kept" : "Newton iterations"
        let cv = a.crossValidation
        let measure = cv == nil ? "validation F1" : "out-of-fold F1"
        var families = ""
        if let alternatives = a.alternatives, !alternatives.isEmpty {
            let lines =
                [(a.family, a.validationF1, m.f1, t.fitSeconds ?? t.seconds, "chosen")]
                + alternatives.map { ($0.family, $0.validationF1, $0.metrics.f1, $0.seconds, "") }
            families = lines.map { family, validation, test, seconds, note in
                let name = family.padding(toLength: 20, withPad: " ", startingAt: 0)
                return "\n  family     \(name) \(measure) \(fixed(validation, 4)) · test F1 \(fixed(test, 4)) · "
                    + "\(fixed(seconds, 2)) s" + (note.isEmpty ? "" : " · \(note)")
            }.joined()
        }
        let split: String
        var search = ""
        if let cv {
            split =
                "train + validation \(grouped(t.trainRows)) (\(cv.folds)-fold cross-validation, then refit on "
                + "all of them) · test \(grouped(t.testRows)) (stratified, seed \(t.seed))"
            let folds = cv.foldF1.map { fixed($0, 3) }.joined(separator: " ")
            search = "\n  cross-val  \(cv.summary) (folds \(folds))"
            search += "\n  settings   \(a.family): \(cv.chosen)"
            let reports =
                [(a.family, cv)]
                + (a.alternatives ?? []).compactMap { alt in alt.crossValidation.map { (alt.family, $0) } }
            let tried = reports.map { family, report in
                "\(report.tried.count) \(family) setting\(report.tried.count == 1 ? "" : "s")"
                    + " (\(fixed(report.searchSeconds, 1)) of \(fixed(report.budgetSeconds, 1)) s budget)"
            }
            search += "\n  search     tried \(tried.joined(separator: ", "))"
            if let choice = cv.choice { search += "\n  choice     \(choice)" }
        } else {
            split =
                "train \(grouped(t.trainRows)) · validation \(grouped(t.validationRows)) · "
                + "test \(grouped(t.testRows)) (stratified, seed \(t.seed))"
        }
        let tuned = cv == nil ? "best F1 on validation" : "best F1 on the out-of-fold predictions"
        return """
            trained \(a.family) on \(grouped(rows)) rows from \(fileCount) file\(fileCount == 1 ? "" : "s") \
            in \(fixed(t.seconds, 2)) s (\(t.iterations) \(steps))\(families)
              split      \(split)\(search)
              threshold  \(fixed(a.threshold, 4)) (\(tuned): \(fixed(a.validationF1, 4)))
              test       F1 \(fixed(m.f1, 4)) · precision \(fixed(m.precision, 4)) · recall \(fixed(m.recall, 4)) \
            · accuracy \(fixed(m.accuracy, 4)) · ROC AUC \(m.rocAUC.map { fixed($0, 4) } ?? "n/a") \
            · log loss \(fixed(m.logLoss, 4))
              confusion  TP \(grouped(m.truePositives)) · FP \(grouped(m.falsePositives)) \
            · TN \(grouped(m.trueNegatives)) · FN \(grouped(m.falseNegatives))
              baselines  all-positive F1 \(fixed(m.f1AllPositive, 4)) · all-negative F1 0
              gate       F1 \(fixed(m.f1, against: gate, 4)) \(m.f1 >= gate ? "≥" : "<") \(fixed(gate, 2)) · \
            gain over all-positive \(fixed(m.f1 - m.f1AllPositive, against: minGain, 4)) \
            \(beatsConstant ? "≥" : "<") \(fixed(minGain, 4)) → \(eligible ? "eligible" : "not eligible")
              model      \(outcome.artifactPath ?? "not registered")\(exported.map { " (copy: \($0))" } ?? "")
            \(outcome.summary)
            """
    }

    func write(split: Split, rows: Int, to path: String) throws {
        var names = [UInt8](repeating: 0, count: rows)
        for row in split.validation { names[row] = 1 }
        for row in split.test { names[row] = 2 }
        let labels = ["train", "validation", "test"]
        var text = "row,split\n"
        text.reserveCapacity(rows * 12)
        for (row, name) in names.enumerated() { text += "\(row),\(labels[Int(name)])\n" }
        try FileSystem.writeAtomically(path, bytes: Array(text.utf8))
    }
}

/// `churnd train --json` when a run already learned from the same files and configuration.
struct AlreadyTrained: Encodable {
    var decision = "already_trained"
    var runId: Int64?
    var outcome: String
    var version: Int?
    var finishedAt: String
    var fingerprint: String?
    var summary: String

    init(run: TrainingRunRecord, summary: String) {
        runId = run.id
        outcome = run.outcome.rawValue
        version = run.version
        finishedAt = timestamp(run.finishedAt, iso: true)
        fingerprint = run.fingerprint
        self.summary = summary
    }
}

struct TrainSummary: Encodable {
    var family: String
    var rows: [String: Int]
    var threshold: Double
    var validationF1: Double
    var metrics: Metrics
    var eligible: Bool
    var seconds: Double
    /// The registered artifact; nil when the candidate was refused.
    var artifact: String?
    var exported: String?
    var inputs: [InputFile]
    var refused: [String]
    var decision: String
    var summary: String
    var version: Int?
    var championVersion: Int?
    var runId: Int64?
    var verdict: Verdict
    var alternatives: [ModelArtifact.Alternative]
    /// How cross-validation chose the family's settings and threshold; null on the single validation split.
    var crossValidation: CrossValidationReport?

    init(outcome: ModelLifecycle.TrainingOutcome, exported: String?) {
        let a = outcome.artifact
        family = a.family
        rows = ["train": a.training.trainRows, "validation": a.training.validationRows, "test": a.training.testRows]
        threshold = a.threshold
        validationF1 = a.validationF1
        metrics = a.metrics
        eligible = outcome.decision != .refused
        seconds = a.training.seconds
        artifact = outcome.artifactPath
        self.exported = exported
        inputs = a.training.inputs
        refused = outcome.refusedFiles
        decision = outcome.decision.rawValue
        summary = outcome.summary
        version = outcome.version
        championVersion = outcome.championVersion
        runId = outcome.run.id
        verdict = outcome.verdict
        alternatives = a.alternatives ?? []
        crossValidation = a.crossValidation
    }
}
