import ChurnCore
import ChurnStore
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Finishes published claims in batches (group commit): moves each input from `processing/` to the archive
/// (or quarantine), syncs every folder touched once per batch, then removes the staged output names.
///
/// A claim's outputs are already public when it gets here, so none of this is on the path a user waits on.
/// Files that finish while a batch runs wait for the next one and share its fsyncs. Anything interrupted is
/// finished by `Recovery` at the next start: a claim whose staged outputs are linked counts as published.
final class Archiver: Sendable {
    struct Entry: Sendable {
        /// The input's name in `processing/`.
        var claimed: String
        /// The folder it moves to: the archive, or the quarantine for inputs that could not be scored.
        var destination: String
        /// Staged output paths, already linked to their public names.
        var staged: [String]
    }

    private let paths: DaemonPaths
    private let queue = DispatchQueue(label: "churnd.archive")
    private let pending = Mutex<(entries: [Entry], scheduled: Bool)>(([], false))
    private let onError: @Sendable (_ what: String, _ error: ChurnError) -> Void

    /// - Parameter onError: told when a batch cannot be finished; its inputs and staged names stay where they
    ///   are until the next start (their outputs are public already).
    init(paths: DaemonPaths, onError: @escaping @Sendable (_ what: String, _ error: ChurnError) -> Void) {
        self.paths = paths
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

    /// Returns once every entry added so far is finished (at shutdown, so `processing/` is left empty).
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
        guard !batch.isEmpty else { return }
        var moved: [Entry] = []
        var folders: Set<String> = []
        let quarantine = Quarantine(paths: paths)
        for entry in batch {
            let source = "\(paths.processing)/\(entry.claimed)"
            let target = "\(entry.destination)/\(entry.claimed)"
            if entry.destination == paths.quarantine, FileSystem.exists(source),
                let report = Quarantine.report(among: entry.staged)
            {
                do {
                    try quarantine.copyReport(report, for: entry.claimed)
                } catch let error as ChurnError {
                    onError(entry.claimed, error)
                    continue
                } catch {
                    continue
                }
            }
            if rename(source, target) == 0 || (errno == ENOENT && FileSystem.exists(target)) {
                moved.append(entry)
                folders.insert(entry.destination)
            } else {
                onError(entry.claimed, .io(path: source, operation: "rename", errno: errno))
            }
        }
        guard !moved.isEmpty else { return }
        do {
            // Each move must be durable before the claim's staged names go: an input back in processing/ after
            // a power cut, without staged names to show it was published, would be scored a second time.
            for folder in folders.sorted() { try FileSystem.fsyncDirectory(folder) }
            // The public links must be durable before the staged names go, or a power cut could take both and
            // with them the output. (The staged names themselves were synced before linking; see `InboxJob`.)
            try FileSystem.fsyncDirectory(paths.outbox)
        } catch let error as ChurnError {
            onError("\(moved.count) archived inputs", error)
            return
        } catch {
            return
        }
        // No fsync after this: a staged name that comes back after a power cut belongs to a published claim
        // that is no longer in processing/, and recovery removes it (publishing it again is a no-op).
        for entry in moved {
            for path in entry.staged { unlink(path) }
        }
    }
}
