import ChurnCore
import ChurnStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One inbox file from claim to archive, run on a worker thread (blocking I/O).
///
/// Crash safety: the input is claimed by renaming it to `processing/<claim>.<name>`; outputs are staged as
/// synced hidden files carrying the claim id; linking them to their public names is the commit (a staged file
/// with a second link shows its claim was published). The `Archiver` then moves the input out of `processing/`
/// and removes the staged names, in batches. At start, `Recovery` finishes published claims and re-scores the
/// others, so every input ends with exactly one set of outputs.
struct InboxJob: Sendable {
    let paths: DaemonPaths
    let models: ModelCache
    let publisher: Publisher
    let archiver: Archiver
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
        /// Outputs linked by an earlier attempt were published in full now.
        case published(name: String, output: String)
        /// The outputs could not be written (e.g. disk full): the input stays claimed for a later retry.
        case outputFailed(claimed: String, error: ChurnError)
        case failed(name: String, error: String)
    }

    func process(_ source: WorkQueue.Source) -> Result {
        let started = monotonicSeconds()
        let model: (version: Int, scorer: Scorer)
        do {
            guard let current = try models.current() else { return .noModel }
            model = current
        } catch {
            return .failed(name: "(model)", error: "\(error)")
        }
        let claimed: String
        switch source {
        case .inbox(let name):
            let claimedName = ClaimID.next().fileName(for: name)
            if rename("\(paths.inbox)/\(name)", "\(paths.processing)/\(claimedName)") != 0 {
                let code = errno
                if code == ENOENT { return .gone }
                let error = ChurnError.io(path: "\(paths.inbox)/\(name)", operation: "claim (rename)", errno: code)
                return .failed(name: name, error: error.description)
            }
            claimed = claimedName
        case .claimed(let name):
            claimed = name
        }
        guard let (claim, original) = ClaimID.parse(fileName: claimed) else {
            return .failed(name: claimed, error: "not a claimed file name")
        }
        let claimedPath = "\(paths.processing)/\(claimed)"
        let quarantine = Quarantine(paths: paths)
        if let reason = Self.refusal(ofEntryAt: claimedPath) {
            do {
                let text =
                    "\(paths.inbox)/\(original) \(reason); it was not read.\n"
                    + quarantine.movedNote(claimed, advice: "Drop a regular file into \(paths.inbox)/ instead.")
                try quarantine.move(claimedPath, as: claimed, reason: text)
                return .quarantined(name: original, reason: reason, movedTo: quarantine.destination(of: claimed))
            } catch {
                return .failed(name: original, error: "\(error)")
            }
        }
        let stem = ScoreJob.stem(of: original)
        if case .claimed = source, let published = finishPublished(claim: claim, claimed: claimed, stem: stem) {
            return published
        }
        var scorer = model.scorer
        scorer.split = shadow?.split(champion: model.version, schema: scorer.artifact.schema)
        let staged: ScoreJob.Staged
        do {
            staged = try ScoreJob(scorer: scorer).stage(
                inputPath: claimedPath, shownAs: "\(paths.inbox)/\(original)", stem: stem,
                outputDirectory: paths.outbox, tag: claim.text, sampleRows: predictionLog == nil ? 0 : sampleRows(),
                timestamp: Date().timeIntervalSince1970, fileName: original,
                disposition:
                    "The input was moved to \(quarantine.destination(of: claimed)), with a copy of this report "
                    + "beside it (\(claimed).reason.txt). Fix the file and drop it into \(paths.inbox)/ again.")
        } catch let error as ChurnError {
            for kind in ScoreJob.outputKinds {
                unlink("\(paths.outbox)/\(ScoreJob.stagedName(tag: claim.text, kind: kind, stem: stem))")
            }
            return .outputFailed(claimed: claimed, error: error)
        } catch {
            return .failed(name: original, error: "\(error)")
        }
        do {
            // Two fsyncs before the outputs are public. Each staged file's own (in `stage`): a public name must
            // never show a partial file after a power cut. And this one: the staged names must be durable before a
            // public link can be, or a public output could survive without the staged name that ties it to this
            // claim, and recovery would score the input again. (The claim rename needs none of its own: a claim
            // lost to a power cut leaves the input in the inbox, to be scored from the start.)
            try FileSystem.fsyncDirectory(paths.outbox)
            // Commit: the outputs become public. Archiving the input and removing the staged names is batched.
            let published = try publisher.linkStaged(stem: stem, files: staged.files)
            archiver.add(
                .init(
                    claimed: claimed, destination: isScored(staged) ? paths.archive : paths.quarantine,
                    staged: staged.files.map(\.temporaryPath)))
            let milliseconds = (monotonicSeconds() - started) * 1000
            // After the outputs: the log feeds drift monitoring and is not part of the file's guarantees.
            predictionLog?.append(
                staged.predictions + (shadow?.records(shadowing: staged.predictions, champion: model.version) ?? []))
            switch staged.result {
            case .scored(let summary):
                return .scored(
                    name: original, summary: summary, version: model.version, milliseconds: milliseconds,
                    output: published.last ?? "")
            case .refused(let reason):
                return .refused(
                    name: original, reason: reason, report: published.last ?? "",
                    movedTo: quarantine.destination(of: claimed))
            }
        } catch let error as ChurnError {
            return .outputFailed(claimed: claimed, error: error)
        } catch {
            return .failed(name: original, error: "\(error)")
        }
    }

    /// A claim retried after its publication failed midway (e.g. disk full while linking) is published already:
    /// its staged outputs must be linked as they are, never staged again (that would rewrite public files).
    private func finishPublished(claim: ClaimID, claimed: String, stem: String) -> Result? {
        let files = ScoreJob.outputKinds.map {
            (temporaryPath: "\(paths.outbox)/\(ScoreJob.stagedName(tag: claim.text, kind: $0, stem: stem))", kind: $0)
        }.filter { FileSystem.exists($0.temporaryPath) }
        guard files.contains(where: { Publisher.isLinked($0.temporaryPath) }) else { return nil }
        let original = ClaimID.parse(fileName: claimed)?.original ?? claimed
        do {
            let published = try publisher.linkStaged(stem: stem, files: files)
            let refused = files.contains { $0.kind == "error.txt" }
            archiver.add(
                .init(
                    claimed: claimed, destination: refused ? paths.quarantine : paths.archive,
                    staged: files.map(\.temporaryPath)))
            return .published(name: original, output: published.last ?? "")
        } catch let error as ChurnError {
            return .outputFailed(claimed: claimed, error: error)
        } catch {
            return .failed(name: original, error: "\(error)")
        }
    }

    private func isScored(_ staged: ScoreJob.Staged) -> Bool {
        if case .scored = staged.result { return true }
        return false
    }

    /// Why an entry in `processing/` must not be opened: anything but a regular file with one link.
    static func refusal(ofEntryAt path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return info.st_nlink > 1
                ? "has \(info.st_nlink) hard links: another name could change it while it is scored" : nil
        case S_IFLNK: return "is a symbolic link; churnd never follows links in the inbox"
        case S_IFDIR: return "is a directory; drop files, not folders"
        case S_IFIFO: return "is a FIFO; churnd only reads regular files"
        case S_IFCHR, S_IFBLK: return "is a device; churnd only reads regular files"
        case S_IFSOCK: return "is a socket; churnd only reads regular files"
        default: return "is not a regular file"
        }
    }
}
