import ChurnCore

/// Scores one input file into the outbox's staged outputs (see `OutboxLedger`): `scored.csv` and, when rows
/// were rejected, `errors.csv`; or `error.txt` when the file cannot be scored at all. `churnd score` publishes
/// them at once (`run`); the daemon commits them under its claim.
package struct ScoreJob {
    package enum Outcome: Sendable {
        /// `sample`: the scored rows kept for the prediction log (empty unless asked for).
        case scored(Scorer.Summary, scoredPath: String, errorsPath: String?, sample: Sample)
        /// The file could not be scored; the report says why.
        case refused(reason: String, reportPath: String)
    }

    /// Synced outputs under their staged names, ready to publish.
    package struct Staged: Sendable {
        package enum Result: Equatable, Sendable {
            case scored(Scorer.Summary)
            case refused(reason: String)
        }

        package var result: Result
        package var outputs: StagedOutputs
        /// A uniform sample of the scored rows (empty unless asked for): `predictions()` makes their
        /// prediction-log records, once the outputs are published.
        package var sample: Sample = Sample()
    }

    /// The rows a file's scoring kept for the prediction log, and what makes their records: the scorer and the
    /// file's name. Their records are made only when asked for (`predictions()`), so that the daemon makes them
    /// after the file's outputs are published rather than while it scores.
    package struct Sample: Sendable {
        var sampler: PredictionSampler?
        var scorer: Scorer?
        var fileName: String?

        init() {}

        init(_ sampler: PredictionSampler, scorer: Scorer, fileName: String?) {
            self.sampler = sampler
            self.scorer = scorer
            self.fileName = fileName
        }

        /// Number of rows kept.
        package var count: Int { sampler?.rows.count ?? 0 }

        /// The kept rows as prediction-log records, stamped with the scored file's name.
        package func predictions() -> [PredictionRecord] {
            guard let sampler, let scorer else { return [] }
            return scorer.records(of: sampler, file: fileName)
        }

        /// The kept rows' prediction-log lines, as `predictions()` would be written, without making the records.
        package func lines() throws -> [UInt8] {
            guard let sampler, let scorer else { return [] }
            return try scorer.logLines(of: sampler, file: fileName)
        }
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
        OutboxLedger.stem(of: path)
    }

    /// Scores `inputPath` into `outputDirectory` and publishes the outputs at once (`churnd score`), keeping up
    /// to `sampleRows` scored rows for prediction-log lines stamped `timestamp` and the input's file name.
    /// Outputs appear atomically; a name clash adds a numeric suffix (`<stem>-1.scored.csv`); nothing is
    /// overwritten. Throws only for failures of the output side (disk full, permissions); in that case nothing
    /// is published and the input is untouched.
    package func run(
        inputPath: String, outputDirectory: String, progress: ((Int, Int) -> Void)? = nil, sampleRows: Int = 0,
        timestamp: Double = 0
    ) throws -> Outcome {
        let name = FileSystem.split(inputPath).name
        let staged = try stage(
            inputPath: inputPath, into: OutboxLedger.staging(in: outputDirectory, stem: Self.stem(of: inputPath)),
            seed: name, progress: progress, sampleRows: sampleRows, timestamp: timestamp, fileName: name)
        let published = try OutboxLedger.publish(staged.outputs, in: outputDirectory)
        var paths: [OutputKind: String] = [:]
        for (file, path) in zip(staged.outputs.files, published) { paths[file.kind] = path }
        switch staged.result {
        case .scored(let summary):
            return .scored(
                summary, scoredPath: paths[.scored] ?? "", errorsPath: paths[.errors], sample: staged.sample)
        case .refused(let reason):
            return .refused(reason: reason, reportPath: paths[.report] ?? "")
        }
    }

    /// Scores `inputPath` into synced staged files (see `syncOutputs`), keeping up to `sampleRows` scored rows
    /// for prediction-log records stamped `timestamp` and `fileName` (the name the file was dropped as). Throws
    /// only for failures of the output side (disk full, permissions); then no staged file is left behind.
    ///
    /// - Parameters:
    ///   - shownAs: the input's name in messages and reports when it is read under another one (the daemon
    ///     reads `state/processing/<claim>.x.csv` and reports `inbox/x.csv`).
    ///   - seed: what the sample's seed is made from, so scoring the same input again logs the same rows.
    ///   - progress: told bytes read and the input's size now and then.
    ///   - disposition: what a refusal report says became of the input and what to do.
    ///   - syncOutputs: false leaves the staged files unsynced, their writeback started and their descriptors open,
    ///     for the commit to sync them with the rest of its batch (`OutboxLedger.commit(_:)`).
    package func stage(
        inputPath: String, shownAs: String? = nil, into staging: OutboxLedger.Staging, seed: String,
        progress: ((Int, Int) -> Void)? = nil, sampleRows: Int = 0, timestamp: Double = 0, fileName: String? = nil,
        disposition: String = ScoreJob.unchangedInput, syncOutputs: Bool = true
    ) throws -> Staged {
        let shown = shownAs ?? inputPath
        func refusal(_ error: ChurnError) throws -> Staged {
            staging.discardAll()
            let reason = error.naming(inputPath, as: shown).description
            let report = try staging.create(.report)
            var writer = ByteWriter(fd: report.fd, path: report.temporaryPath)
            try writer.write(Self.refusalReport(reason, disposition: disposition))
            try writer.flush()
            return Staged(result: .refused(reason: reason), outputs: try staging.keep(sync: syncOutputs))
        }
        let input: FileSystem.InputFile
        do {
            input = try FileSystem.openInput(inputPath)
        } catch let error as ChurnError {
            if case .io = error, !FileSystem.exists(inputPath) { throw error }
            return try refusal(error)
        }
        defer { input.close() }
        let size = input.size
        let scoredFile = try staging.create(.scored)
        var scored = ByteWriter(
            fd: scoredFile.fd, path: scoredFile.temporaryPath, writebackEvery: Self.writebackBytes)
        // The errors file is created with the first rejected row's bytes: the scorer hands the errors writer
        // nothing when no row is rejected, so most inputs cost one file fewer (create, sync, unlink).
        var errorsFile: PendingFile?
        var errors = ByteWriter { bytes in
            let file = try errorsFile ?? staging.create(.errors)
            errorsFile = file
            try FileSystem.writeAll(file.fd, bytes, path: file.temporaryPath)
        }
        let summary: Scorer.Summary
        var sample = PredictionSampler(capacity: sampleRows, seed: Self.seed(seed))
        do {
            summary = try scorer.score(
                fd: input.fd, size: size, path: shown, scored: &scored, errors: &errors,
                progress: progress.map { report in { report($0, size) } }, sample: &sample, timestamp: timestamp)
        } catch let error as ChurnError {
            if case .io(let path, _, _) = error, path != shown { throw error }
            return try refusal(error)
        }
        if summary.errorLines == 0 { staging.discard(.errors) }
        return Staged(
            result: .scored(summary), outputs: try staging.keep(sync: syncOutputs),
            sample: Sample(sample, scorer: scorer, fileName: fileName))
    }

    /// Bytes of a scored file written between two starts of its writeback: a large file's last `fdatasync`
    /// then waits for about this much, not for the whole file (25 MB took 8.5 ms here).
    static let writebackBytes = 4 << 20

    /// A stable seed from a job's tag (FNV-1a), so re-scoring the same claim logs the same rows.
    static func seed(_ tag: String) -> UInt64 {
        tag.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
