import ChurnCore
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Step 5 of `OutboxLedger`, in batches (group commit): moves each committed claim's input out of
/// `processing/`, syncs every folder touched once per batch, then removes the staged names. The outputs are
/// public already, so none of this is on the path a user waits on; claims that commit while a batch runs wait
/// for the next one and share its fsyncs.
final class ArchiveQueue: Sendable {
    struct Entry: Sendable {
        /// The input's name in `processing/`.
        var claimed: String
        /// The archive, or the quarantine for inputs that could not be scored.
        var destination: String
        /// The staged report that becomes the quarantined input's reason.
        var report: String?
        /// Staged output paths, already linked to their public names.
        var staged: [String]
    }

    private let folders: OutboxLedger.Folders

    private let queue = DispatchQueue(label: "churnd.archive")
    private let pending = Mutex<(entries: [Entry], scheduled: Bool)>(([], false))
    private let onError: @Sendable (_ what: String, _ error: ChurnError) -> Void

    init(folders: OutboxLedger.Folders, onError: @escaping @Sendable (_ what: String, _ error: ChurnError) -> Void) {
        self.folders = folders
        self.onError = onError
    }

    func add(_ entry: Entry) {
        let schedule = pending.withLock { state in
            state.entries.append(entry)
            defer { state.scheduled = true }
            return !state.scheduled
        }
        if schedule { queue.async { self.flush() } }
    }

    /// Returns once every entry added so far is finished.
    func finishPending() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async {
                self.flush()
                done.resume()
            }
        }
    }

    /// One batch: everything added until now. Runs on `queue` only.
    private func flush() {
        let batch = pending.withLock { state in
            defer {
                state.entries = []
                state.scheduled = false
            }
            return state.entries
        }
        for (what, error) in archive(batch) { onError(what, error) }
    }

    /// Archives `batch` (also recovery's way to finish committed claims). Returns what could not be finished:
    /// those inputs and their staged names stay where they are for the next start.
    func archive(_ batch: [Entry]) -> [(what: String, error: ChurnError)] {
        guard !batch.isEmpty else { return [] }
        var failures: [(what: String, error: ChurnError)] = []
        var moved: [Entry] = []
        var destinations: Set<String> = []
        for entry in batch {
            let source = "\(folders.processing)/\(entry.claimed)"
            let target = "\(entry.destination)/\(entry.claimed)"
            if let report = entry.report, FileSystem.exists(source) {
                do {
                    try Quarantine(folder: folders.quarantine).copyReport(report, for: entry.claimed)
                } catch let error as ChurnError {
                    failures.append((entry.claimed, error))
                    continue
                } catch {
                    failures.append((entry.claimed, .internalInconsistency("\(error)")))
                    continue
                }
            }
            if rename(source, target) == 0 || (errno == ENOENT && FileSystem.exists(target)) {
                moved.append(entry)
                destinations.insert(entry.destination)
            } else {
                failures.append((entry.claimed, .io(path: source, operation: "rename", errno: errno)))
            }
        }
        guard !moved.isEmpty else { return failures }
        do {
            // Each move must be durable before the claim's staged names go, and so must the public links.
            for folder in destinations.sorted() { try FileSystem.fsyncDirectory(folder) }
            try FileSystem.fsyncDirectory(folders.outbox)
        } catch let error as ChurnError {
            return failures + [("\(moved.count) archived inputs", error)]
        } catch {
            return failures + [("\(moved.count) archived inputs", .internalInconsistency("\(error)"))]
        }
        // No fsync after this: see `OutboxLedger`, step 5.
        for entry in moved {
            for path in entry.staged { unlink(path) }
        }
        return failures
    }
}
