import ChurnCore
import ChurnStore
import Dispatch
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Schedules inbox files onto worker threads: claims, scores, publishes, archives (`InboxJob`), several at
/// once. Waits (logged once) while no model serves, and retries with backoff while the outbox is full.
///
/// It starts no task itself: what is due (a file to score on a lane, a retry after a pause) goes out on `work`,
/// which `PipelineService` runs as child tasks of its own, so every job lives in the service group's tree.
actor InboxPipeline {
    /// What `PipelineService` runs for the pipeline.
    enum Work: Sendable {
        /// Score these items on lane `slot`, one file or a batch of small ones committed together, then report
        /// (`run(slot:items:)`).
        case score(slot: Int, items: [WorkQueue.Item])
        /// Try again after `seconds` (the outbox could not be written).
        case resume(after: Double)
    }

    nonisolated let work: AsyncStream<Work>
    private nonisolated let workContinuation: AsyncStream<Work>.Continuation
    /// Bumped whenever a file in hand finishes: `drain` waits on it.
    private let progress = ChangeSignal()
    private let job: InboxJob
    /// One thread per worker for the daemon's lifetime, not pool threads that come and go (see `WorkerThread`).
    private let lanes: [WorkerThread]
    private let logger: Logger
    private let status: DaemonStatus
    private var queue: WorkQueue
    private let accepting = Atomic<Bool>(true)
    private var waitingForModel = false
    private var pausedUntil: Double?
    private var retryDelay = 0.5
    private var lastOutputError: String?
    /// Small files a worker takes at once (see `WorkQueue.next(batch:batchBytes:)`).
    static let batchFiles = 32

    init(job: InboxJob, workers: Int, logger: Logger, status: DaemonStatus) {
        self.job = job
        self.queue = WorkQueue(slots: workers)
        self.lanes = (0..<max(1, workers)).map { WorkerThread(name: "churnd-score-\($0)") }
        self.logger = logger
        self.status = status
        (work, workContinuation) = AsyncStream.makeStream(of: Work.self, bufferingPolicy: .unbounded)
    }

    /// A name seen in the inbox (event or scan). Ignored for hidden and partial names.
    func offer(name: String) {
        guard DataFiles.isCandidate(name), !name.contains("/") else { return }
        var info = stat()
        guard lstat("\(job.paths.inbox)/\(name)", &info) == 0 else { return }
        queue.add(.init(.inbox(name), size: Int(info.st_size)))
        pump()
    }

    func offer(names: [String]) {
        for name in names { offer(name: name) }
    }

    /// A file already in `processing/`, left by a crash or waiting for space.
    func offer(claimed name: String) {
        var info = stat()
        guard lstat("\(job.paths.processing)/\(name)", &info) == 0 else { return }
        queue.add(.init(.claimed(name), size: Int(info.st_size)))
        pump()
    }

    /// Called when the serving version may have changed.
    func modelChanged() {
        if waitingForModel {
            waitingForModel = false
            logger.info(
                "production model available, scoring waiting files", metadata: ["waiting": "\(queue.waitingCount)"])
        }
        pump()
    }

    /// Stops claiming new files; files in hand go on. Callable from any context (a shutdown handler).
    nonisolated func stopAccepting() {
        accepting.store(false, ordering: .relaxed)
    }

    /// Stops claiming and waits up to `grace` seconds for the files in hand. Returns how many are left
    /// (they stay in `processing/` and are finished at the next start).
    func drain(grace: Double) async -> Int {
        stopAccepting()
        let deadline = monotonicSeconds() + grace
        var seen = progress.generation
        while queue.runningCount > 0, monotonicSeconds() < deadline {
            seen = await progress.wait(past: seen, timeout: deadline - monotonicSeconds())
        }
        await job.ledger.finishArchiving()
        return queue.runningCount
    }

    /// Ends `work` (after `drain`): `PipelineService` stops running jobs.
    nonisolated func finishWork() {
        workContinuation.finish()
    }

    /// Scores the items on their lane and reports the results. A cancelled task (shutdown past the grace
    /// period) stops waiting and reports nothing: the files stay in `processing/` for the next start.
    func run(slot: Int, items: [WorkQueue.Item]) async {
        let job = self.job
        let sources = items.map(\.source)
        let results: [InboxJob.Result]
        do {
            results = try await Blocking.runAbandoningOnCancel(on: lanes[slot]) { job.process(sources) }
        } catch {
            return
        }
        finished(slot: slot, items: items, results: results)
    }

    var isIdle: Bool { queue.isIdle }

    private func pump() {
        defer { publishStatus() }
        guard accepting.load(ordering: .relaxed), !waitingForModel else { return }
        if let pausedUntil, monotonicSeconds() < pausedUntil { return }
        pausedUntil = nil
        while let (slot, items) = queue.next(batch: Self.batchFiles) {
            workContinuation.yield(.score(slot: slot, items: items))
        }
    }

    private func finished(slot: Int, items: [WorkQueue.Item], results: [InboxJob.Result]) {
        defer { progress.notify() }
        let again = queue.finish(slot: slot)
        // Work that goes back to the front of the queue, in the batch's order.
        var back: [WorkQueue.Item] = []
        var outputError: ChurnError?
        for (item, result) in zip(items, results) {
            switch result {
            case .noModel:
                back.append(item)
                if !waitingForModel {
                    waitingForModel = true
                    logger.notice("no production model yet: inbox files wait until one is promoted")
                }
            case .notStarted:
                back.append(item)
            case .outputFailed(let claimed, let error):
                back.append(.init(.claimed(claimed), size: item.size))
                outputError = error
                report(outputError: error, claimed: claimed)
            default:
                report(result)
            }
        }
        for item in back.reversed() { queue.putBack(item) }
        if let outputError {
            pausedUntil = monotonicSeconds() + retryDelay
            retryDelay = min(retryDelay * 2, 5)
            status.update { $0.waitingForSpace = outputError.isNoSpace }
            workContinuation.yield(.resume(after: retryDelay))
        }
        for item in again { queue.add(item) }
        pump()
    }

    /// Logs a file's result and counts it (every result but those that put the file back).
    private func report(_ result: InboxJob.Result) {
        switch result {
        case .gone, .noModel, .notStarted, .outputFailed:
            break
        case .quarantined(let name, let reason, let movedTo):
            ChurnMetrics.fileQuarantined(.inbox)
            logger.warning(
                "file quarantined", metadata: ["file": "\(name)", "reason": "\(reason)", "moved_to": "\(movedTo)"])
        case .scored(let name, let summary, let version, let milliseconds, let output):
            recovered()
            ChurnMetrics.fileScored(rows: summary.scored, rowErrors: summary.rejected, seconds: milliseconds / 1000)
            var metadata: Logger.Metadata = [
                "file": "\(name)", "rows": "\(summary.rows)", "errors": "\(summary.rejected)",
                "ms": "\(Int(milliseconds.rounded()))", "version": "\(version)",
                "output": "\(FileSystem.split(output).name)",
            ]
            if summary.servedByChallenger > 0 { metadata["challenger_rows"] = "\(summary.servedByChallenger)" }
            if let unseen = summary.unseenLevelsText { metadata["unseen_levels"] = "\(unseen)" }
            logger.info("file scored", metadata: metadata)
        case .published(let name, let output):
            recovered()
            logger.info(
                "file published after a retry",
                metadata: ["file": "\(name)", "output": "\(FileSystem.split(output).name)"])
        case .refused(let name, let reason, let report, let movedTo):
            recovered()
            ChurnMetrics.fileQuarantined(.inbox)
            logger.warning(
                "file refused",
                metadata: ["file": "\(name)", "reason": "\(reason)", "report": "\(report)", "moved_to": "\(movedTo)"])
        case .failed(let name, let error):
            logger.error("file failed", metadata: ["file": "\(name)", "error": "\(error)"])
        }
    }

    /// Logs an output failure once per kind of failure, not per file: the path differs for every file.
    private func report(outputError error: ChurnError, claimed: String) {
        let message = error.description
        let kind = if case .io(_, _, let code) = error { "errno \(code)" } else { message }
        guard lastOutputError != kind else { return }
        lastOutputError = kind
        logger.error(
            "cannot write outputs; the input is kept and retried",
            metadata: [
                "file": "\(OutboxLedger.Claim(fileName: claimed)?.original ?? claimed)", "error": "\(message)",
            ])
    }

    /// After a `.resume` pause.
    func pumpAfterPause() {
        pump()
    }

    private func recovered() {
        guard lastOutputError != nil else { return }
        lastOutputError = nil
        retryDelay = 0.5
        status.update { $0.waitingForSpace = false }
        logger.notice("outputs can be written again")
    }

    private func publishStatus() {
        let running = queue.runningCount
        let waiting = queue.waitingCount
        status.update {
            $0.inProgress = running
            $0.waiting = waiting
        }
    }
}
