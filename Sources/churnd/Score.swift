import ArgumentParser
import ChurnCore
import ChurnStore
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a CSV file: OUTDIR/<stem>.scored.csv, plus <stem>.errors.csv for rejected rows.",
        discussion: """
            Like the daemon, it appends a uniform sample of the scored rows ([drift] sample_rows_per_file; 0 = \
            off) to the prediction log in watch/logs, for drift checks and live F1; --no-log skips that for one \
            run. A model given as a file that is not a registered version is never logged.
            """)

    @OptionGroup var common: CommonOptions

    @Argument(help: "CSV file to score.")
    var input: String

    @Option(name: .shortAndLong, help: "Output directory (default: the configured outbox).")
    var output: String?

    @OptionGroup var choice: ModelChoice

    @Flag(help: "Also copy every input column into the scored file.")
    var passthrough = false

    @Flag(name: .customLong("no-log"), help: "Do not append a sample of the scored rows to the prediction log.")
    var noLog = false

    func run() throws {
        let config = try common.load()
        let artifact = try choice.load(common: common, config: config)
        let directory = try output ?? common.resolve(config.paths.outbox)
        try FileSystem.makeDirectory(directory)
        let scorer = Scorer(
            artifact: artifact, versionLabel: artifact.versionLabel(fallback: "unregistered"),
            passthrough: passthrough || config.scoring.passthrough, maxRecordBytes: config.scoring.maxRecordBytes,
            bounds: config.schema.bounds,
            nthread: config.xgboost.threads(cores: ProcessInfo.processInfo.activeProcessorCount))
        let progress = ProgressLine(label: ScoreJob.stem(of: input))
        // Only a registered version's lines can be told apart in the log: an unregistered artifact is not logged.
        let logged = !noLog && artifact.version != nil ? config.drift.sampleRowsPerFile : 0
        let outcome = try ScoreJob(scorer: scorer).run(
            inputPath: input, outputDirectory: directory,
            progress: progress.map { line in { line.update($0, of: $1) } },
            sampleRows: logged, timestamp: Date().timeIntervalSince1970)
        progress?.finish()
        switch outcome {
        case .scored(let summary, let scoredPath, let errorsPath, let sample):
            let with = artifact.version.map { " with v\($0)" } ?? ""
            var text = "scored \(grouped(summary.scored)) of \(grouped(summary.rows)) rows\(with) → \(scoredPath)"
            if let unseen = summary.unseenLevelsText {
                text += "\nrows with levels unseen in training (scored as all zeros): \(unseen)"
            }
            if let errorsPath {
                text +=
                    "\n\(counted(summary.rejected, "row", "rows")) rejected "
                    + "(\(counted(summary.errorLines, "problem", "problems"))) → \(errorsPath)"
            }
            print(text)
            if sample.count > 0 {
                log(sample, config: config)
            } else if !noLog, artifact.version == nil, config.drift.sampleRowsPerFile > 0 {
                print("not added to the prediction log: the model is not a registered version")
            }
        case .refused(let reason, let reportPath):
            throw CommandFailure(message: "\(reason)\nreport → \(reportPath)")
        }
    }
}

extension Score {
    /// Appends the sample to the prediction log through the daemon's writer; a failure is a warning (the scored
    /// file is there), not a failed command.
    func log(_ sample: ScoreJob.Sample, config: Config) {
        do {
            let directory = try common.resolve(config.paths.watch) + "/logs"
            let maxBytes = config.drift.logMaxBytes
            let writer = PredictionLogWriter(
                directory: directory, fileName: config.drift.logFile, maxBytes: { maxBytes },
                logger: Logger(label: "churnd.score"))
            try FileSystem.makeDirectory(directory)
            try writer.appendLines(try sample.lines())
            print("logged \(grouped(sample.count)) sampled rows → \(writer.path)")
        } catch {
            writeStandardError(
                "warning: the scored file is complete, but its sample was not added to the prediction log: \(error)\n")
        }
    }
}

/// A progress line on standard error, only when it is a terminal; redrawn at most five times a second.
final class ProgressLine {
    let label: String
    private var throttle = ProgressThrottle(interval: 0.2)
    private var shown = false

    init?(label: String) {
        guard isatty(STDERR_FILENO) != 0 else { return nil }
        self.label = label
    }

    func update(_ done: Int, of total: Int) {
        let percent = total > 0 ? done * 100 / total : 0
        show("\(percent)% of \(total >> 20) MiB")
    }

    /// Replaces the line with `label: text`.
    func show(_ text: String) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        guard throttle.isDue(at: Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9) else { return }
        shown = true
        writeStandardError("\r\u{1B}[K\(label): \(text)")
    }

    /// Clears the line.
    func finish() {
        if shown { writeStandardError("\r\u{1B}[K") }
    }
}
