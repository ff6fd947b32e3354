import ChurnCore

/// Scoring in two steps for callers that must publish exactly once across crashes (the daemon): `stage`
/// writes and syncs every output under a hidden name that carries the caller's tag; publishing is theirs.
extension ScoreJob {
    /// Synced outputs under temporary names in the output directory, in publication order.
    package struct Staged: Sendable {
        package enum Result: Equatable, Sendable {
            case scored(Scorer.Summary)
            case refused(reason: String)
        }

        package var result: Result
        /// Temporary paths with the kind of output each becomes (`errors.csv`, `scored.csv`, `error.txt`).
        package var files: [(temporaryPath: String, kind: String)]
        /// A uniform sample of the scored rows as prediction-log records (empty unless asked for).
        package var predictions: [PredictionRecord] = []
    }

    /// Output kinds in the order they are published: a reader that waits for `scored.csv` finds
    /// `errors.csv` already there.
    package static let outputKinds = ["errors.csv", "scored.csv", "error.txt"]

    /// The hidden temporary name of one output of a tagged job: `.<tag>.<kind>.<stem>.tmp`.
    package static func stagedName(tag: String, kind: String, stem: String) -> String {
        ".\(tag).\(kind).\(stem).tmp"
    }

    /// Scores `inputPath` into synced temporary files named after `tag` and `stem`, keeping up to `sampleRows`
    /// scored rows as prediction-log records stamped `timestamp` and `fileName` (the name the file was dropped
    /// as). Throws only for failures of the output side (disk full, permissions); then no temporary file is left
    /// behind.
    ///
    /// - Parameters:
    ///   - shownAs: the input's name in messages and reports when it is read under another one (the daemon
    ///     reads `state/processing/<claim>.x.csv` and reports `inbox/x.csv`).
    ///   - disposition: what a refusal report says became of the input and what to do.
    package func stage(
        inputPath: String, shownAs: String? = nil, stem: String, outputDirectory: String, tag: String,
        sampleRows: Int = 0, timestamp: Double = 0, fileName: String? = nil,
        disposition: String = ScoreJob.unchangedInput
    ) throws -> Staged {
        let shown = shownAs ?? inputPath
        func refusal(_ error: ChurnError) throws -> Staged {
            try stageRefusal(
                stem: stem, outputDirectory: outputDirectory, tag: tag,
                reason: error.naming(inputPath, as: shown).description, disposition: disposition)
        }
        let input: FileSystem.InputFile
        do {
            input = try FileSystem.openInput(inputPath)
        } catch let error as ChurnError {
            if case .io = error, !FileSystem.exists(inputPath) { throw error }
            return try refusal(error)
        }
        defer { input.close() }
        let scoredFile = try PendingFile(
            directory: outputDirectory, temporaryName: Self.stagedName(tag: tag, kind: "scored.csv", stem: stem))
        let errorsFile = try PendingFile(
            directory: outputDirectory, temporaryName: Self.stagedName(tag: tag, kind: "errors.csv", stem: stem))
        var scored = ByteWriter(fd: scoredFile.fd, path: scoredFile.temporaryPath)
        var errors = ByteWriter(fd: errorsFile.fd, path: errorsFile.temporaryPath)
        let summary: Scorer.Summary
        var sample = PredictionSampler(capacity: sampleRows, seed: Self.seed(tag))
        do {
            summary = try scorer.score(
                fd: input.fd, size: input.size, path: shown, scored: &scored, errors: &errors, progress: nil,
                sample: &sample, timestamp: timestamp)
        } catch let error as ChurnError {
            if case .io(let path, _, _) = error, path != shown { throw error }
            scoredFile.discard()
            errorsFile.discard()
            return try refusal(error)
        }
        var files: [(String, String)] = []
        if summary.errorLines > 0 {
            try errorsFile.keep()
            files.append((errorsFile.temporaryPath, "errors.csv"))
        } else {
            errorsFile.discard()
        }
        try scoredFile.keep()
        files.append((scoredFile.temporaryPath, "scored.csv"))
        return Staged(
            result: .scored(summary), files: files, predictions: Self.records(of: sample, fileName: fileName))
    }

    /// The sampled records, stamped with the scored file's name.
    static func records(of sample: PredictionSampler, fileName: String?) -> [PredictionRecord] {
        guard let fileName else { return sample.records }
        return sample.records.map { record in
            var record = record
            record.file = fileName
            return record
        }
    }

    /// A stable seed from a job's tag (FNV-1a), so re-scoring the same claim logs the same rows.
    static func seed(_ tag: String) -> UInt64 {
        tag.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    private func stageRefusal(
        stem: String, outputDirectory: String, tag: String, reason: String, disposition: String
    ) throws -> Staged {
        let report = try PendingFile(
            directory: outputDirectory, temporaryName: Self.stagedName(tag: tag, kind: "error.txt", stem: stem))
        var writer = ByteWriter(fd: report.fd, path: report.temporaryPath)
        try writer.write(Self.refusalReport(reason, disposition: disposition))
        try writer.flush()
        try report.keep()
        return Staged(result: .refused(reason: reason), files: [(report.temporaryPath, "error.txt")])
    }
}
