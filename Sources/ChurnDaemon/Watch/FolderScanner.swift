import ChurnStore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Which files a periodic scan may take: only those with the same stamp at two scans in a row, so a file still
/// being written is never taken. Pure: stamps in, names out.
package struct SettleTracker<Stamp: Equatable & Sendable>: Sendable {
    /// Report a settled file again only after it changed (for folders whose files stay, like `watch/data/`);
    /// otherwise at every scan while it is there (the inbox, whose files are moved away once taken).
    package let once: Bool
    private var previous: [String: Stamp] = [:]
    private var reported: [String: Stamp] = [:]

    package init(once: Bool) {
        self.once = once
    }

    /// The settled names among `current` (name → stamp), sorted.
    package mutating func settled(in current: [String: Stamp]) -> [String] {
        defer { previous = current }
        var names = current.keys.sorted().filter { previous[$0] == current[$0] }
        if once {
            reported = reported.filter { current[$0.key] != nil }
            names = names.filter { reported[$0] != current[$0] }
            for name in names { reported[name] = current[name] }
        }
        return names
    }

    /// Takes `current` as already seen and reported: files present at start-up are not news.
    package mutating func baseline(_ current: [String: Stamp]) {
        previous = current
        reported = current
    }
}

/// Lists one watched folder. `scan()` returns every candidate (start-up, rescans); `settledNames()` only files
/// that were already there, unchanged, at the previous call (see `SettleTracker`).
final class FolderScanner: Sendable {
    let folder: String
    private let tracker: Mutex<SettleTracker<Stamp>>

    struct Stamp: Equatable, Sendable {
        var inode: UInt64
        var size: Int64
        var modified: Int64
    }

    /// - Parameter once: report each settled file once per change (see `SettleTracker.once`).
    init(folder: String, once: Bool = false) {
        self.folder = folder
        tracker = Mutex(SettleTracker(once: once))
    }

    func scan() -> [String] {
        ((try? FileSystem.list(folder)) ?? []).filter(DataFiles.isCandidate)
    }

    func settledNames() -> [String] {
        let current = stamps()
        return tracker.withLock { $0.settled(in: current) }
    }

    /// Counts the files there now as seen (see `SettleTracker.baseline`).
    func baseline() {
        let current = stamps()
        tracker.withLock { $0.baseline(current) }
    }

    private func stamps() -> [String: Stamp] {
        var current: [String: Stamp] = [:]
        for name in scan() {
            var info = stat()
            guard lstat("\(folder)/\(name)", &info) == 0 else { continue }
            current[name] = Stamp(
                inode: UInt64(info.st_ino), size: Int64(info.st_size),
                modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
        }
        return current
    }
}
