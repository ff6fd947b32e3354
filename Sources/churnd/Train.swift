import ArgumentParser
import ChurnCore
import ChurnStore
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a logistic-regression model on labeled CSVs and write its artifact.")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Labeled CSV files (default: every *.csv in watch/data).")
    var data: [String] = []

    @Option(name: .long, help: "Directory for model.json (default: STATE/model).")
    var out: String?

    @Option(name: .long, help: "Also write the split as CSV (row,split) for comparisons with other tools.")
    var writeSplit: String?

    @Flag(help: "Print a JSON summary instead of text.")
    var json = false

    func run() throws {
        let config = try common.load()
        let started = ContinuousClock.now
        let files = try data.isEmpty ? DataFiles.list(in: common.resolve(config.paths.watch) + "/data") : data
        guard !files.isEmpty else {
            throw ChurnError.usage(
                "no training data: put labeled CSVs in \(common.resolve(config.paths.watch))/data or pass --data FILE "
                    + "(churnd gen-data --rows 50000 -o watch/data/sample.csv makes some)")
        }
        let (dataset, refusals) = try DataFiles.load(files, config: config)
        for refusal in refusals { printError(refusal) }
        guard dataset.count > 0 else { throw CommandFailure(message: "no usable training data") }

        let result = try Trainer(config: config).train(
            dataset, now: Date().timeIntervalSince1970,
            elapsed: { (ContinuousClock.now - started).seconds })
        let directory = common.resolve(out ?? "\(config.paths.state)/model")
        try FileSystem.makeDirectory(directory)
        let artifactPath = "\(directory)/model.json"
        try FileSystem.writeAtomically(artifactPath, bytes: Array(try result.artifact.encoded()))
        if let writeSplit { try write(split: result.split, rows: dataset.count, to: writeSplit) }

        if json {
            let summary = TrainSummary(result: result, artifactPath: artifactPath, refused: refusals)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(describe(result, artifactPath: artifactPath, gate: config.promotion.gateF1))
        }
    }

    func describe(_ result: Trainer.Result, artifactPath: String, gate: Double) -> String {
        let a = result.artifact
        let m = a.metrics
        let t = a.training
        let rows = t.trainRows + t.validationRows + t.testRows
        let fileCount = t.inputs.count
        return """
            trained \(a.family) on \(grouped(rows)) rows from \(fileCount) file\(fileCount == 1 ? "" : "s") \
            in \(fixed(t.seconds, 2)) s (\(t.iterations) Newton iterations)
              split      train \(grouped(t.trainRows)) · validation \(grouped(t.validationRows)) · \
            test \(grouped(t.testRows)) (stratified, seed \(t.seed))
              threshold  \(fixed(a.threshold, 4)) (best F1 on validation: \(fixed(a.validationF1, 4)))
              test       F1 \(fixed(m.f1, 4)) · precision \(fixed(m.precision, 4)) · recall \(fixed(m.recall, 4)) \
            · accuracy \(fixed(m.accuracy, 4)) · ROC AUC \(m.rocAUC.map { fixed($0, 4) } ?? "n/a") \
            · log loss \(fixed(m.logLoss, 4))
              confusion  TP \(grouped(m.truePositives)) · FP \(grouped(m.falsePositives)) \
            · TN \(grouped(m.trueNegatives)) · FN \(grouped(m.falseNegatives))
              baselines  all-positive F1 \(fixed(m.f1AllPositive, 4)) · all-negative F1 0
              gate       F1 \(fixed(m.f1, 4)) \(result.eligible ? "≥" : "<") \(fixed(gate, 2)) → \
            \(result.eligible ? "eligible" : "not eligible")
              model      \(artifactPath)
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

struct TrainSummary: Encodable {
    var family: String
    var rows: [String: Int]
    var threshold: Double
    var validationF1: Double
    var metrics: Metrics
    var eligible: Bool
    var seconds: Double
    var artifact: String
    var inputs: [InputFile]
    var refused: [String]

    init(result: Trainer.Result, artifactPath: String, refused: [String]) {
        let a = result.artifact
        family = a.family
        rows = ["train": a.training.trainRows, "validation": a.training.validationRows, "test": a.training.testRows]
        threshold = a.threshold
        validationF1 = a.validationF1
        metrics = a.metrics
        eligible = result.eligible
        seconds = a.training.seconds
        artifact = artifactPath
        inputs = a.training.inputs
        self.refused = refused
    }
}
