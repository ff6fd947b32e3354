import ChurnCore
import ChurnStore
import Foundation

/// One inbox file, run on a worker thread (blocking I/O): claim → score → commit, through the `OutboxLedger`,
/// which also says why every input ends with exactly one set of outputs.
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
    }

    func process(_ source: WorkQueue.Source) -> Result {
        let started = monotonicSeconds()
        let model: (version: Int, scorer: Scorer)
        do {
            guard let current = try models.current() else { return .noModel }
            model = current
        } catch {
            return .failed(name: "(model)", error: error)
        }
        let claim: OutboxLedger.Claim
        switch source {
        case .inbox(let name):
            do {
                guard let claimed = try ledger.claim(name) else { return .gone }
                claim = claimed
            } catch {
                return .failed(name: name, error: error)
            }
        case .claimed(let name):
            guard let claimed = OutboxLedger.Claim(fileName: name) else {
                return .failed(name: name, error: ChurnError.internalInconsistency("not a claimed file name"))
            }
            claim = claimed
            // A claim retried after its commit failed midway is finished as it is, never scored again.
            do {
                if let published = try ledger.finishCommitted(claim) {
                    return .published(name: claim.original, output: published.last ?? "")
                }
            } catch let error as ChurnError {
                return .outputFailed(claimed: claim.fileName, error: error)
            } catch {
                return .failed(name: claim.original, error: error)
            }
        }
        if let reason = OutboxLedger.refusal(ofEntryAt: ledger.path(of: claim)) {
            do {
                let movedTo = try ledger.quarantineUnread(claim, because: reason)
                return .quarantined(name: claim.original, reason: reason, movedTo: movedTo)
            } catch {
                return .failed(name: claim.original, error: error)
            }
        }
        var scorer = model.scorer
        scorer.split = shadow?.split(champion: model.version, schema: scorer.artifact.schema)
        do {
            let staged = try ScoreJob(scorer: scorer).stage(
                inputPath: ledger.path(of: claim), shownAs: "\(paths.inbox)/\(claim.original)",
                into: ledger.staging(for: claim), seed: claim.id.text,
                sampleRows: predictionLog == nil ? 0 : sampleRows(), timestamp: Date().timeIntervalSince1970,
                fileName: claim.original, disposition: ledger.refusalDisposition(for: claim))
            let published = try ledger.commit(staged.outputs, of: claim)
            let milliseconds = (monotonicSeconds() - started) * 1000
            // After the outputs: the log feeds drift monitoring and is not part of the file's guarantees.
            predictionLog?.append(
                staged.predictions + (shadow?.records(shadowing: staged.predictions, champion: model.version) ?? []))
            switch staged.result {
            case .scored(let summary):
                return .scored(
                    name: claim.original, summary: summary, version: model.version, milliseconds: milliseconds,
                    output: published.last ?? "")
            case .refused(let reason):
                return .refused(
                    name: claim.original, reason: reason, report: published.last ?? "",
                    movedTo: ledger.quarantinePath(of: claim.fileName))
            }
        } catch let error as ChurnError {
            return .outputFailed(claimed: claim.fileName, error: error)
        } catch {
            return .failed(name: claim.original, error: error)
        }
    }
}
