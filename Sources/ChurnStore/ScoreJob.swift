import ChurnCore

#if canImport(Glibc)
    import Glibc
#endif

/// Scores one input file into an output directory: `<stem>.scored.csv` and, when rows were
/// rejected, `<stem>.errors.csv`; or `<stem>.error.txt` when the file cannot be scored at all. Outputs
/// appear atomically; a name clash adds a numeric suffix (`<stem>-1.scored.csv`); nothing is overwritten.
package struct ScoreJob {
    package enum Outcome: Equatable, Sendable {
        /// `predictions`: the sample of scored rows asked for, as prediction-log records.
        case scored(Scorer.Summary, scoredPath: String, errorsPath: String?, predictions: [PredictionRecord])
        /// The file could not be scored; the report says why.
        case refused(reason: String, reportPath: String)
    }

    package let scorer: Scorer

    package init(scorer: Scorer) {
        self.scorer = scorer
    }

    /// The text of `<stem>.error.txt`: why the file could not be scored, where the input is now and what to do.
    /// - Parameter disposition: what became of the input, e.g. "The input was not changed. Fix it and score it
    ///   again." (the default, for `churnd score`).
    package static func refusalReport(_ reason: String, disposition: String = unchangedInput) -> String {
        "could not score this file: \(reason)\n\n\(disposition)\n"
    }

    /// What `churnd score` says about a refused input.
    package static let unchangedInput = "The input was not changed. Fix it and score it again."

    /// The output stem of an input file name: the name without a `.csv` extension.
    package static func stem(of path: String) -> String {
        let name = FileSystem.split(path).name
        if name.lowercased().hasSuffix(".csv") { return String(name.dropLast(4)) }
        return name
    }

    /// Scores `inputPath` into `outputDirectory`, keeping up to `sampleRows` scored rows as prediction-log
    /// records stamped `timestamp` and the input's file name. Throws only for failures of the output side (disk
    /// full, permissions); in that case nothing is published and the input is untouched.
    package func run(
        inputPath: String, outputDirectory: String, progress: ((Int, Int) -> Void)? = nil, sampleRows: Int = 0,
        timestamp: Double = 0
    ) throws -> Outcome {
        let stem = Self.stem(of: inputPath)
        let input: FileSystem.InputFile
        do {
            input = try FileSystem.openInput(inputPath)
        } catch let error as ChurnError {
            if case .io = error, !FileSystem.exists(inputPath) { throw error }
            return try refuse(stem: stem, outputDirectory: outputDirectory, reason: error.description)
        }
        let size = input.size
        let fd = input.fd
        defer { input.close() }

        let scoredFile = try PendingFile(directory: outputDirectory, name: "\(stem).scored.csv")
        let errorsFile = try PendingFile(directory: outputDirectory, name: "\(stem).errors.csv")
        var scored = ByteWriter(fd: scoredFile.fd, path: scoredFile.temporaryPath)
        var errors = ByteWriter(fd: errorsFile.fd, path: errorsFile.temporaryPath)
        let summary: Scorer.Summary
        let name = FileSystem.split(inputPath).name
        var sample = PredictionSampler(capacity: sampleRows, seed: Self.seed(name))
        do {
            summary = try scorer.score(
                fd: fd, size: size, path: inputPath, scored: &scored, errors: &errors,
                progress: progress.map { report in { report($0, size) } }, sample: &sample, timestamp: timestamp)
        } catch let error as ChurnError where !isOutputFailure(error, inputPath: inputPath) {
            return try refuse(stem: stem, outputDirectory: outputDirectory, reason: error.description)
        }
        let names = try publish(
            stem: stem, in: outputDirectory,
            files: [(errorsFile, "errors.csv", summary.errorLines > 0), (scoredFile, "scored.csv", true)])
        return .scored(
            summary, scoredPath: "\(outputDirectory)/\(names[1]!)",
            errorsPath: names[0].map { "\(outputDirectory)/\($0)" },
            predictions: Self.records(of: sample, fileName: name))
    }

    private func isOutputFailure(_ error: ChurnError, inputPath: String) -> Bool {
        if case .io(let path, _, _) = error { return path != inputPath }
        return false
    }

    private func refuse(stem: String, outputDirectory: String, reason: String) throws -> Outcome {
        let report = try PendingFile(directory: outputDirectory, name: "\(stem).error.txt")
        var writer = ByteWriter(fd: report.fd, path: report.temporaryPath)
        try writer.write(Self.refusalReport(reason))
        try writer.flush()
        let names = try publish(stem: stem, in: outputDirectory, files: [(report, "error.txt", true)])
        return .refused(reason: reason, reportPath: "\(outputDirectory)/\(names[0]!)")
    }

    /// Publishes files under the first free suffix shared by all of them: `<stem>.<kind>`, `<stem>-1.<kind>`, …
    /// Files marked unused are discarded. Returns the published names (nil for discarded ones).
    private func publish(stem: String, in directory: String, files: [(PendingFile, String, Bool)]) throws -> [String?] {
        var suffix = 0
        let kinds = ["scored.csv", "errors.csv", "error.txt"]
        for (file, _, used) in files where !used { file.discard() }
        while true {
            let base = suffix == 0 ? stem : "\(stem)-\(suffix)"
            let taken = kinds.contains { FileSystem.exists("\(directory)/\(base).\($0)") }
            if !taken {
                var names: [String?] = []
                var clashed = false
                for (file, kind, used) in files {
                    guard used else {
                        names.append(nil)
                        continue
                    }
                    if try file.publish(as: "\(base).\(kind)", replacing: false) {
                        names.append("\(base).\(kind)")
                    } else {
                        clashed = true  // another writer took the name meanwhile: try the next suffix
                        break
                    }
                }
                if !clashed {
                    try FileSystem.fsyncDirectory(directory)
                    return names
                }
                // Published parts stay published under this suffix; move on only if none was.
                if names.contains(where: { $0 != nil }) {
                    throw ChurnError.io(path: "\(directory)/\(base)", operation: "publish", errno: EEXIST)
                }
            }
            suffix += 1
        }
    }
}
