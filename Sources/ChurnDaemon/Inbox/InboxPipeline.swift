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
/// A file offered goes straight to a free worker's thread from the offering thread (the watcher's thread for
/// an inotify event): the state lives behind a lock, not in an actor, so no task and no executor sits between
/// the event and the worker. When the worker is done it takes up what waits in the same way. The only work
/// left for `PipelineService` is a retry after a pause (`work`), run as a child task of its own, so the pause
/// lives in the service group's tree.
final class InboxPipeline: Sendable {
    /// What `PipelineService` runs for the pipeline.
    enum Work: Sendable {
        /// Try again after `seconds` (the outbox could not be written).
        case resume(after: Double)
    }

    private struct State {
        var queue: WorkQueue
        var waitingForModel = false
        var pausedUntil: Double?
        var retryDelay = 0.5
        var lastOutputError: String?
    }

    let work: AsyncStream<Work>
    private let workContinuation: AsyncStream<Work>.Continuation
    /// Bumped whenever a file in hand finishes: `drain` waits on it.
    private let progress = ChangeSignal()
    private let job: InboxJob
    /// One thread per worker for the daemon's lifetime, not pool threads that come and go (see `WorkerThread`).
    private let lanes: [WorkerThread]
    private let logger: Logger
    private let status: DaemonStatus
    private let state: Mutex<State>
    private let accepting = Atomic<Bool>(true)
    /// Small files a worker takes at once (see `WorkQueue.next(batch:batchBytes:)`).
    static let batchFiles = 32

    init(job: InboxJob, workers: Int, logger: Logger, status: DaemonStatus) {
        self.job = job
        self.state = Mutex(State(queue: WorkQueue(slots: workers)))
        self.lanes = (0..<max(1, workers)).map { WorkerThread(name: "churnd-score-\($0)") }
        self.logger = logger
        self.status = status
        (work, workContinuation) = AsyncStream.makeStream(of: Work.self, bufferingPolicy: .unbounded)
    }

    /// A name seen in the inbox (event or scan). Ignored for hidden and partial names.
    func offer(name: String) {
        guard let item = inboxItem(name) else { return }
        let due = state.withLock { state in
            state.queue.add(item)
            return pump(&state)
        }
        start(due)
    }

    func offer(names: [String]) {
        let items = names.compactMap(inboxItem)
        guard !items.isEmpty else { return }
        let due = state.withLock { state in
            for item in items { state.queue.add(item) }
            return pump(&state)
        }
        start(due)
    }

    private func inboxItem(_ name: String) -> WorkQueue.Item? {
        guard DataFiles.isCandidate(name), !name.contains("/") else { return nil }
        var info = stat()
        guard lstat("\(job.paths.inbox)/\(name)", &info) == 0 else { return nil }
        return .init(.inbox(name), size: Int(info.st_size))
    }

    /// A file already in `processing/`, left by a crash or waiting for space.
    func offer(claimed name: String) {
        var info = stat()
        guard lstat("\(job.paths.processing)/\(name)", &info) == 0 else { return }
        let due = state.withLock { state in
            state.queue.add(.init(.claimed(name), size: Int(info.st_size)))
            return pump(&state)
        }
        start(due)
    }

    /// Called when the serving version may have changed.
    func modelChanged() {
        let (waited, due) = state.withLock { state in
            let waited = state.waitingForModel ? state.queue.waitingCount : nil
            state.waitingForModel = false
            return (waited, pump(&state))
        }
        if let waited {
            logger.info("production model available, scoring waiting files", metadata: ["waiting": "\(waited)"])
        }
        start(due)
    }

    /// Stops claiming new files; files in hand go on. Callable from any context (a shutdown handler).
    func stopAccepting() {
        accepting.store(false, ordering: .relaxed)
    }

    /// Stops claiming and waits up to `grace` seconds for the files in hand. Returns how many are left
    /// (they stay in `processing/` and are finished at the next start).
    func drain(grace: Double) async -> Int {
        stopAccepting()
        let deadline = monotonicSeconds() + grace
        var seen = progress.generation
        while runningCount > 0, monotonicSeconds() < deadline {
            seen = await progress.wait(past: seen, timeout: deadline - monotonicSeconds())
        }
        await job.ledger.finishArchiving()
        return runningCount
    }

    /// Ends `work` (after `drain`): `PipelineService` stops running jobs.
    func finishWork() {
        workContinuation.finish()
    }

    private var runningCount: Int { state.withLock { $0.queue.runningCount } }

    var isIdle: Bool { state.withLock { $0.queue.isIdle } }

    /// Scores the items on their lane's thread, then reports the results and starts what is due next from
    /// there. Past shutdown's grace period the process ends without waiting for it: the files stay in
    /// `processing/` for the next start.
    private func start(_ due: [(slot: Int, items: [WorkQueue.Item])]) {
        publishStatus()
        for (slot, items) in due {
            lanes[slot].async { [self] in
                let results = job.process(items.map(\.source))
                finished(slot: slot, items: items, results: results)
            }
        }
    }

    /// Takes what may start now off the queue (under the lock).
    private func pump(_ state: inout State) -> [(slot: Int, items: [WorkQueue.Item])] {
        guard accepting.load(ordering: .relaxed), !state.waitingForModel else { return [] }
        if let pausedUntil = state.pausedUntil, monotonicSeconds() < pausedUntil { return [] }
        state.pausedUntil = nil
        var due: [(slot: Int, items: [WorkQueue.Item])] = []
        while let next = state.queue.next(batch: Self.batchFiles) { due.append(next) }
        return due
    }

    private func finished(slot: Int, items: [WorkQueue.Item], results: [InboxJob.Result]) {
        defer { progress.notify() }
        enum Note {
            case waitingForModel
            case outputError(ChurnError, claimed: String)
            case recovered
        }
        var notes: [Note] = []
        var resume: Double?
        var waitingForSpace: Bool?
        let due = state.withLock { state in
            let again = state.queue.finish(slot: slot)
            // Work that goes back to the front of the queue, in the batch's order.
            var back: [WorkQueue.Item] = []
            var outputError: ChurnError?
            for (item, result) in zip(items, results) {
                switch result {
                case .noModel:
                    back.append(item)
                    if !state.waitingForModel {
                        state.waitingForModel = true
                        notes.append(.waitingForModel)
                    }
                case .notStarted:
                    back.append(item)
                case .outputFailed(let claimed, let error):
                    back.append(.init(.claimed(claimed), size: item.size))
                    outputError = error
                    // Logged once per kind of failure, not per file: the path differs for every file.
                    let kind = if case .io(_, _, let code) = error { "errno \(code)" } else { error.description }
                    if state.lastOutputError != kind {
                        state.lastOutputError = kind
                        notes.append(.outputError(error, claimed: claimed))
                    }
                case .scored, .published, .refused:
                    if state.lastOutputError != nil {
                        state.lastOutputError = nil
                        state.retryDelay = 0.5
                        notes.append(.recovered)
                    }
                case .gone, .quarantined, .failed:
                    break
                }
            }
            for item in back.reversed() { state.queue.putBack(item) }
            if let outputError {
                state.pausedUntil = monotonicSeconds() + state.retryDelay
                state.retryDelay = min(state.retryDelay * 2, 5)
                resume = state.retryDelay
                waitingForSpace = outputError.isNoSpace
            }
            for item in again { state.queue.add(item) }
            return pump(&state)
        }
        if let waitingForSpace { status.update { $0.waitingForSpace = waitingForSpace } }
        for note in notes {
            switch note {
            case .waitingForModel:
                logger.notice("no production model yet: inbox files wait until one is promoted")
            case .outputError(let error, let claimed):
                logger.error(
                    "cannot write outputs; the input is kept and retried",
                    metadata: [
                        "file": "\(OutboxLedger.Claim(fileName: claimed)?.original ?? claimed)",
                        "error": "\(error.description)",
                    ])
            case .recovered:
                status.update { $0.waitingForSpace = false }
                logger.notice("outputs can be written again")
            }
        }
        for result in results { report(result) }
        if let resume { workContinuation.yield(.resume(after: resume)) }
        start(due)
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
            logger.info(
                "file published after a retry",
                metadata: ["file": "\(name)", "output": "\(FileSystem.split(output).name)"])
        case .refused(let name, let reason, let report, let movedTo):
            ChurnMetrics.fileQuarantined(.inbox)
            logger.warning(
                "file refused",
                metadata: ["file": "\(name)", "reason": "\(reason)", "report": "\(report)", "moved_to": "\(movedTo)"])
        case .failed(let name, let error):
            logger.error("file failed", metadata: ["file": "\(name)", "error": "\(error)"])
        }
    }

    /// After a `.resume` pause.
    func pumpAfterPause() {
        start(state.withLock { pump(&$0) })
    }

    private func publishStatus() {
        let (running, waiting) = state.withLock { ($0.queue.runningCount, $0.queue.waitingCount) }
        status.update {
            $0.inProgress = running
            $0.waiting = waiting
        }
    }
}
