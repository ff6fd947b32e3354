import CInotifyTools
import ChurnStore

/// The folders the daemon watches and what an inotify event on them means. Pure, so every rule is testable
/// without touching libinotifytools' process-global state.
package enum WatchRole: String, Sendable {
    case inbox
    case data
    case logs
    case labels

    /// Folders whose new subdirectories are watched too (prediction logs may be grouped by service).
    var watchesSubdirectories: Bool { self == .logs }
}

package enum WatchAction: Equatable, Sendable {
    case ignore
    /// A complete file (closed after writing, renamed in, or a non-regular entry that is complete at birth).
    case file(String)
    /// A new subdirectory to watch.
    case watchSubdirectory(String)
    /// The watches no longer match the folders (overflow, a folder deleted, moved, unmounted or re-created):
    /// set them up again and rescan.
    case rewatch(reason: String)
}

package enum WatchClassifier {
    /// Events asked for on watched folders. IN_CREATE only tells about subdirectories and entries that are
    /// complete when created (symlinks, FIFOs, devices); a regular file is never taken on IN_CREATE.
    static let folderMask = UInt32(
        IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
    /// The events to ask for on a folder of `role`. Prediction logs are appended to by writers that keep them
    /// open, so their folders also report writes (IN_MODIFY); the others only report complete files.
    static func mask(for role: WatchRole) -> UInt32 {
        role == .logs ? folderMask | UInt32(IN_MODIFY) : folderMask
    }
    /// Events asked for on the parents of watched folders: a folder (re)appearing there.
    static let parentMask = UInt32(IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    /// What an event on a watched folder means. `entryIsRegularFile` is asked only for IN_CREATE.
    package static func folderEvent(
        mask: UInt32, name: String, role: WatchRole, entryIsRegularFile: () -> Bool
    ) -> WatchAction {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 { return .rewatch(reason: "event queue overflowed") }
        if mask & UInt32(IN_UNMOUNT) != 0 { return .rewatch(reason: "\(role.rawValue) folder was unmounted") }
        if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED) != 0 {
            return .rewatch(reason: "\(role.rawValue) folder was deleted or moved")
        }
        guard !name.isEmpty, DataFiles.isCandidate(name) else { return .ignore }
        let isDirectory = mask & UInt32(IN_ISDIR) != 0
        let arrived = mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0
        let created = mask & UInt32(IN_CREATE) != 0
        if isDirectory {
            guard arrived || created else { return .ignore }
            if role.watchesSubdirectories { return .watchSubdirectory(name) }
            return role == .inbox ? .file(name) : .ignore  // the inbox quarantines folders dropped into it
        }
        if arrived { return .file(name) }
        if role == .logs, mask & UInt32(IN_MODIFY) != 0 { return .file(name) }
        if created, !entryIsRegularFile() { return .file(name) }
        return .ignore
    }

    /// What an event on the parent of watched folders means; `children` are the watched folders' names there.
    package static func parentEvent(mask: UInt32, name: String, children: Set<String>) -> WatchAction {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 { return .rewatch(reason: "event queue overflowed") }
        if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT) != 0 {
            return .rewatch(reason: "a parent of the watched folders was deleted, moved or unmounted")
        }
        if mask & UInt32(IN_ISDIR) != 0, mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0, children.contains(name) {
            return .rewatch(reason: "folder \(name) appeared")
        }
        return .ignore
    }
}
