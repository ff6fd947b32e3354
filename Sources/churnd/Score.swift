import ArgumentParser
import ChurnCore
import ChurnStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a CSV file: OUTDIR/<stem>.scored.csv, plus <stem>.errors.csv for rejected rows.")

    @OptionGroup var common: CommonOptions

    @Argument(help: "CSV file to score.")
    var input: String

    @Option(name: .shortAndLong, help: "Output directory (default: the configured outbox).")
    var output: String?

    @OptionGroup var choice: ModelChoice

    @Flag(help: "Also copy every input column into the scored file.")
    var passthrough = false

    func run() throws {
        let config = try common.load()
        let artifact = try choice.load(common: common, config: config)
        let directory = output ?? common.resolve(config.paths.outbox)
        try FileSystem.makeDirectory(directory)
        let scorer = Scorer(
            artifact: artifact, versionLabel: artifact.versionLabel(fallback: "unregistered"),
            passthrough: passthrough || config.scoring.passthrough, maxRecordBytes: config.scoring.maxRecordBytes,
            bounds: config.schema.bounds,
            nthread: config.xgboost.threads(cores: ProcessInfo.processInfo.activeProcessorCount))
        let progress = ProgressLine(label: ScoreJob.stem(of: input))
        let outcome = try ScoreJob(scorer: scorer).run(
            inputPath: input, outputDirectory: directory, progress: progress.map { line in { line.update($0, of: $1) } }
        )
        progress?.finish()
        switch outcome {
        case .scored(let summary, let scoredPath, let errorsPath):
            let with = artifact.version.map { " with v\($0)" } ?? ""
            var text = "scored \(grouped(summary.scored)) of \(grouped(summary.rows)) rows\(with) → \(scoredPath)"
            if let unseen = summary.unseenLevelsText {
                text += "\nrows with levels unseen in training (scored as all zeros): \(unseen)"
            }
            if let errorsPath {
                text +=
                    "\n\(grouped(summary.rejected)) rows rejected (\(grouped(summary.errorLines)) problems) → \(errorsPath)"
            }
            print(text)
        case .refused(let reason, let reportPath):
            throw CommandFailure(message: "\(reason)\nreport → \(reportPath)")
        }
    }
}

/// A progress line on standard error, only when it is a terminal.
final class ProgressLine {
    let label: String
    private var last = 0.0

    init?(label: String) {
        guard isatty(STDERR_FILENO) != 0 else { return nil }
        self.label = label
    }

    func update(_ done: Int, of total: Int) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let seconds = Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
        guard seconds - last > 0.2 else { return }
        last = seconds
        let percent = total > 0 ? done * 100 / total : 0
        writeStandardError("\r\(label): \(percent)% of \(total >> 20) MiB")
    }

    func finish() {
        if last > 0 { writeStandardError("\r\u{1B}[K") }
    }
}
