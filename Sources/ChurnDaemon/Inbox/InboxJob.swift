import ChurnCore
import ChurnStore
import Foundation

/// One inbox file, or a batch of small ones, run on a worker thread (blocking I/O): claim → score → commit,
/// through the `OutboxLedger`, which also says why every input ends with exactly one set of outputs.
struct InboxJob: Sendable {
    let paths: DaemonPaths
    let models: ModelCache
    let ledger: OutboxLedger
    /// Where a sample of each scored file goes for drift monitoring; nil when logging is off.
    var predictionLog: PredictionLogWriter? = nil
    /// Rows sampled per file (`[drift] sample_rows_per_file`, read per file so a reload applies).
    var sampleRows: @Sendable () -> Int = { 0 }
    /// Scores the logged sample with the challenger too (its lines join the champion's in the log), and
    /// gives it its A/B share of the rows.
    var shadow: ShadowScorer? = nil

    enum Result: Sendable {
        /// The file was gone before it could be claimed (claimed by an earlier offer, or removed).
        case gone
        case noModel
        /// Not a regular file: moved to `movedTo` in the quarantine unread.
        case quarantined(name: String, reason: String, movedTo: String)
        case scored(name: String, summary: Scorer.Summary, version: Int, milliseconds: Double, output: String)
        /// Could not be scored: the report says why; the input moves to `movedTo` in the quarantine.
        case refused(name: String, reason: String, report: String, movedTo: String)
        /// Outputs committed by an earlier attempt were published in full now.
        case published(name: String, output: String)
        /// The outputs could not be written (e.g. disk full): the input stays claimed for a later retry.
        case outputFailed(claimed: String, error: ChurnError)
        /// Anything else; the input stays where it is.
        case failed(name: String, error: any Error)
        /// Not claimed: an earlier file of the batch could not write its outputs. Still in the inbox.
        case notStarted
    }

    /// Claims and scores each source in turn, then commits every staged one at once: their files synced one
    /// after the other once all are written, then one sync of the outbox for the batch (see `OutboxLedger`).
    /// The model, the A/B split and the sample size are looked up once for the batch, and the prediction log
    /// gets one append. Returns one result per source, in order. When a file's outputs cannot be written (a
    /// full disk), the files after it are not claimed (`.notStarted`).
    func process(_ sources: [WorkQueue.Source]) -> [Result] {
        let model: (version: Int, scorer: Scorer)
        do {
            guard let current = try models.current() else { return sources.map { _ in .noModel } }
            model = current
        } catch {
            return sources.map { _ in .failed(name: "(model)", error: error) }
        }
        var scorer = model.scorer
        scorer.split = shadow?.split(champion: model.version, schema: scorer.artifact.schema)
        let scoring = ScoreJob(scorer: scorer)
        let rows = predictionLog == nil ? 0 : sampleRows()
        var results: [Result?] = Array(repeating: nil, count: sources.count)
        var staged: [(index: Int, claim: OutboxLedger.Claim, staged: ScoreJob.Staged, started: Double)] = []
        var outputsFailed = false
        for (index, source) in sources.enumerated() {
            guard !outputsFailed else {
                results[index] = .notStarted
                continue
            }
            let started = monotonicSeconds()
            switch stage(source, with: scoring, sampleRows: rows, syncOutputs: sources.count == 1) {
            case .done(let result):
                results[index] = result
                if case .outputFailed = result { outputsFailed = true }
            case .staged(let claim, let output):
                staged.append((index: index, claim: claim, staged: output, started: started))
            }
        }
        let committed = ledger.commit(staged.map { (claim: $0.claim, outputs: $0.staged.outputs) })
        let finished = monotonicSeconds()
        var samples: [ScoreJob.Sample] = []
        for (entry, commit) in zip(staged, committed) {
            let claim = entry.claim
            switch commit {
            case .success(let published):
                if entry.staged.sample.count > 0 { samples.append(entry.staged.sample) }
                switch entry.staged.result {
                case .scored(let summary):
                    results[entry.index] = .scored(
                        name: claim.original, summary: summary, version: model.version,
                        milliseconds: (finished - entry.started) * 1000, output: published.last ?? "")
                case .refused(let reason):
                    results[entry.index] = .refused(
                        name: claim.original, reason: reason, report: published.last ?? "",
                        movedTo: ledger.quarantinePath(of: claim.fileName))
                }
            case .failure(let error as ChurnError):
                results[entry.index] = .outputFailed(claimed: claim.fileName, error: error)
            case .failure(let error):
                results[entry.index] = .failed(name: claim.original, error: error)
            }
        }
        // After the outputs: the log feeds drift monitoring and is not part of the files' guarantees. Its lines are
        // made here, after the commit: the sample cost the scoring only a copy of the kept rows' fields.
        if let predictionLog, !samples.isEmpty { log(samples, to: predictionLog, champion: model.version) }
        return results.map { $0 ?? .failed(name: "(batch)", error: ChurnError.internalInconsistency("no result")) }
    }

    /// Appends the published files' samples to the log in one append: their lines written from the kept fields,
    /// or, when the challenger shadows the champion, their records and the challenger's (scored from them).
    private func log(_ samples: [ScoreJob.Sample], to log: PredictionLogWriter, champion: Int) {
        if let challenger = shadow?.challenger(champion: champion) {
            let records = samples.flatMap { $0.predictions() }
            log.append(records + ShadowPredictions.score(records, with: challenger, alias: AliasName.challenger))
            return
        }
        var lines: [UInt8] = []
        do {
            for sample in samples { lines += try sample.lines() }
        } catch {
            // Lines are written to memory, which does not fail; the records would say the same.
            return log.append(samples.flatMap { $0.predictions() })
        }
        log.append(lines: lines)
    }

    private enum Step {
        /// Nothing to commit: the file is gone, quarantined unread, published after a retry, or failed.
        case done(Result)
        /// Synced staged outputs, ready for the batch's commit.
        case staged(OutboxLedger.Claim, ScoreJob.Staged)
    }

    /// Claims `source` (or takes up its earlier claim) and scores it into staged outputs; synced unless
    /// `syncOutputs` is false (then the commit syncs them with the rest of the batch).
    private func stage(_ source: WorkQueue.Source, with scoring: ScoreJob, sampleRows: Int, syncOutputs: Bool) -> Step {
        let claim: OutboxLedger.Claim
        switch source {
        case .inbox(let name):
            do {
                guard let claimed = try ledger.claim(name) else { return .done(.gone) }
                claim = claimed
            } catch {
                return .done(.failed(name: name, error: error))
            }
        case .claimed(let name):
            guard let claimed = OutboxLedger.Claim(fileName: name) else {
                return .done(.failed(name: name, error: ChurnError.internalInconsistency("not a claimed file name")))
            }
            claim = claimed
            // A claim retried after its commit failed midway is finished as it is, never scored again.
            do {
                if let published = try ledger.finishCommitted(claim) {
                    return .done(.published(name: claim.original, output: published.last ?? ""))
                }
            } catch let error as ChurnError {
                return .done(.outputFailed(claimed: claim.fileName, error: error))
            } catch {
                return .done(.failed(name: claim.original, error: error))
            }
        }
        if let reason = OutboxLedger.refusal(ofEntryAt: ledger.path(of: claim)) {
            do {
                let movedTo = try ledger.quarantineUnread(claim, because: reason)
                return .done(.quarantined(name: claim.original, reason: reason, movedTo: movedTo))
            } catch {
                return .done(.failed(name: claim.original, error: error))
            }
        }
        do {
            let staged = try scoring.stage(
                inputPath: ledger.path(of: claim), shownAs: "\(paths.inbox)/\(claim.original)",
                into: ledger.staging(for: claim), seed: claim.id.text, sampleRows: sampleRows,
                timestamp: Date().timeIntervalSince1970, fileName: claim.original,
                disposition: ledger.refusalDisposition(for: claim), syncOutputs: syncOutputs)
            return .staged(claim, staged)
        } catch let error as ChurnError {
            return .done(.outputFailed(claimed: claim.fileName, error: error))
        } catch {
            return .done(.failed(name: claim.original, error: error))
        }
    }
}
