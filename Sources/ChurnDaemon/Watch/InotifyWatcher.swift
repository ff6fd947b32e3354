import CInotifyTools
import ChurnCore
import ChurnStore
import Foundation
import Synchronization

/// Watches the daemon's folders through libinotifytools and hands complete files to async code.
///
/// libinotifytools keeps process-global state and a static event buffer, so everything runs on one thread
/// this type owns: every library call happens there, each event is copied out at once and sent through an
/// `AsyncStream`. Only one watcher may exist per process. The thread blocks in the library until an event
/// comes (timeout 0: forever), so an idle watcher never wakes; its heartbeat counts that wait as idle.
package final class InotifyWatcher: Sendable {
    package enum Event: Equatable, Sendable {
        case file(WatchRole, String)
        /// Events may have been lost (overflow, folders replaced): the watches were set again; scan the folders.
        case rescan(reason: String)
    }

    package struct Folder: Equatable, Sendable {
        package var path: String
        package var role: WatchRole

        package init(path: String, role: WatchRole) {
            self.path = path
            self.role = role
        }
    }

    package let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let folders: [Folder]
    private let stopping = Atomic<Bool>(false)
    /// Roles whose files go to a handler called on the watcher's thread instead of through `events` (`route`).
    private let handlers = Mutex<[WatchRole: @Sendable (String) -> Void]>([:])
    let heartbeat: Heartbeat

    init(folders: [Folder], heartbeat: Heartbeat) {
        self.folders = folders
        self.heartbeat = heartbeat
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
    }

    /// Starts the watcher thread; returns once every watch is set, or throws why they cannot be.
    func start() async throws {
        let failure: String? = await withCheckedContinuation { ready in
            let thread = Thread { [self] in
                var loop = WatchLoop(folders: folders)
                if let failure = loop.establish() {
                    inotifytools_cleanup()
                    ready.resume(returning: failure)
                    return
                }
                ready.resume(returning: nil)
                run(&loop)
            }
            thread.name = "churnd-inotify"
            thread.start()
        }
        if let failure { throw DaemonError.watcher(failure) }
    }

    /// From now on, hands the files of `role` to `handler` on the watcher's thread, as each event is read, rather
    /// than through `events`: no task wakes between the event and the handler. The handler must return at once
    /// (it holds up every later event). Events read before this call are still in `events`.
    func route(_ role: WatchRole, to handler: @escaping @Sendable (String) -> Void) {
        handlers.withLock { $0[role] = handler }
    }

    /// Ends the event stream now; the thread, blocked until the next event, ends then (or with the process).
    func stop() {
        stopping.store(true, ordering: .relaxed)
        continuation.finish()
    }

    private func run(_ loop: inout WatchLoop) {
        defer {
            inotifytools_cleanup()
            continuation.finish()
        }
        while !stopping.load(ordering: .relaxed) {
            heartbeat.setWaiting(true)
            let next = inotifytools_next_event(0)
            heartbeat.setWaiting(false)
            guard !stopping.load(ordering: .relaxed) else { break }
            guard let event = next else {
                let code = inotifytools_error()
                if code != 0, code != EINTR {
                    sleep(1)
                    rewatch(&loop, reason: "inotify read failed: \(String(cString: strerror(code)))")
                }
                continue
            }
            // The event lives in the library's static buffer: copy what we need before the next call.
            let wd = event.pointee.wd
            let mask = event.pointee.mask
            let name = String(cString: churnd_inotify_event_name(event))
            switch loop.classify(wd: wd, mask: mask, name: name) {
            case .ignore:
                break
            case .file(let role, let name):
                if let handler = handlers.withLock({ $0[role] }) {
                    handler(name)
                } else {
                    continuation.yield(.file(role, name))
                }
            case .watchSubdirectory(let wd, let name):
                loop.addSubdirectory(name, parentWD: wd)
            case .rewatch(let reason):
                rewatch(&loop, reason: reason)
            }
        }
    }

    private func rewatch(_ loop: inout WatchLoop, reason: String) {
        if let failure = loop.establish() {
            continuation.yield(.rescan(reason: "\(reason); watches incomplete: \(failure)"))
        } else {
            continuation.yield(.rescan(reason: reason))
        }
    }
}

/// The watch table of the watcher thread: which watch descriptor is which folder. Lives on that thread only.
struct WatchLoop {
    enum Watched {
        case folder(WatchRole, path: String, prefix: String)
        case parent(children: Set<String>)
    }

    enum Step {
        case ignore
        case file(WatchRole, String)
        case watchSubdirectory(wd: Int32, name: String)
        case rewatch(String)
    }

    let folders: [InotifyWatcher.Folder]
    private var table: [Int32: Watched] = [:]

    init(folders: [InotifyWatcher.Folder]) {
        self.folders = folders
    }

    /// (Re)creates the inotify instance and adds every watch: folders that exist, their subdirectories where
    /// the role has them, and their parents (to see a folder re-created). Returns why it failed, if it did.
    mutating func establish() -> String? {
        inotifytools_cleanup()
        table = [:]
        guard inotifytools_initialize() != 0 else { return "inotify_init: \(describe(inotifytools_error()))" }
        let paths = Set(folders.map(\.path))
        var parents: [String: Set<String>] = [:]
        for folder in folders {
            let (parent, name) = FileSystem.split(folder.path)
            if !paths.contains(parent) { parents[parent, default: []].insert(name) }
            guard FileSystem.isDirectory(folder.path) else { continue }
            guard let wd = add(folder.path, mask: WatchClassifier.mask(for: folder.role)) else {
                return "\(folder.path): \(describe(inotifytools_error()))"
            }
            table[wd] = .folder(folder.role, path: folder.path, prefix: "")
            if folder.role.watchesSubdirectories {
                for name in (try? FileSystem.list(folder.path)) ?? [] where DataFiles.isCandidate(name) {
                    addSubdirectory(name, parentWD: wd)
                }
            }
        }
        for (parent, children) in parents where FileSystem.isDirectory(parent) {
            guard let wd = add(parent, mask: WatchClassifier.parentMask) else {
                return "\(parent): \(describe(inotifytools_error()))"
            }
            table[wd] = .parent(children: children)
        }
        return nil
    }

    mutating func addSubdirectory(_ name: String, parentWD: Int32) {
        guard case .folder(let role, let path, let prefix) = table[parentWD] else { return }
        let subdirectory = "\(path)/\(name)"
        guard FileSystem.isDirectory(subdirectory), let wd = add(subdirectory, mask: WatchClassifier.mask(for: role))
        else {
            return
        }
        table[wd] = .folder(role, path: subdirectory, prefix: "\(prefix)\(name)/")
    }

    func classify(wd: Int32, mask: UInt32, name: String) -> Step {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 { return .rewatch("event queue overflowed") }
        switch table[wd] {
        case .none:
            return .ignore
        case .parent(let children):
            if case .rewatch(let reason) = WatchClassifier.parentEvent(mask: mask, name: name, children: children) {
                return .rewatch(reason)
            }
            return .ignore
        case .folder(let role, let path, let prefix):
            let action = WatchClassifier.folderEvent(mask: mask, name: name, role: role) {
                var info = stat()
                return lstat("\(path)/\(name)", &info) != 0 || info.st_mode & S_IFMT == S_IFREG
            }
            switch action {
            case .ignore: return .ignore
            case .file(let name): return .file(role, prefix + name)
            case .watchSubdirectory(let name): return .watchSubdirectory(wd: wd, name: name)
            case .rewatch(let reason):
                // A subdirectory going away only loses its own watch.
                return prefix.isEmpty ? .rewatch(reason) : .ignore
            }
        }
    }

    /// Adds a watch and returns its descriptor. libinotifytools stores directories with a trailing slash.
    private func add(_ path: String, mask: UInt32) -> Int32? {
        guard inotifytools_watch_file(path, Int32(bitPattern: mask)) != 0 else { return nil }
        let wd = inotifytools_wd_from_filename(path + "/")
        return wd >= 0 ? wd : (inotifytools_wd_from_filename(path) >= 0 ? inotifytools_wd_from_filename(path) : nil)
    }

    private func describe(_ code: Int32) -> String {
        if code == ENOSPC {
            return "the inotify watch limit is reached: raise fs.inotify.max_user_watches (sysctl)"
        }
        if code == EMFILE {
            return "the inotify instance limit is reached: raise fs.inotify.max_user_instances (sysctl)"
        }
        return String(cString: strerror(code))
    }
}
