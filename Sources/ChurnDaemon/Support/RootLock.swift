import ChurnCore
import ChurnStore

#if canImport(Glibc)
    import Glibc
#endif

/// One daemon per root: an exclusive `flock` on `state/churnd.lock`, held open for the daemon's lifetime.
///
/// The kernel releases the lock when the process ends, however it ends (`kill -9` included), so a lock that
/// can be taken always means no daemon is running: whatever a dead daemon left in `state/processing/` is
/// ownerless and recovery may finish it. The file says who holds it (pid, start time) so a second start can
/// say so; it is rewritten by each holder and never deleted (deleting it would let two daemons lock two files).
/// Other commands never take it: they do not touch what the daemon owns.
package final class RootLock: Sendable {
    private let fd: Int32
    package let path: String

    /// Takes the lock or throws `DaemonError.anotherInstance` at once, without waiting.
    /// - Parameters:
    ///   - root: the root directory, as the message names it.
    ///   - now: seconds since 1970, written as the start time.
    package init(path: String, root: String, now: Double) throws {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw ChurnError.io(path: path, operation: "open", errno: errno) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(fd)
            guard code == EWOULDBLOCK else { throw ChurnError.io(path: path, operation: "flock", errno: code) }
            throw Self.heldBy(path: path, root: root)
        }
        self.fd = fd
        let text = "pid \(getpid())\nsince \(CalendarTime.utcText(now))\nroot \(Self.absolute(root))\n"
        let written = Array(text.utf8).withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == text.utf8.count, ftruncate(fd, off_t(written)) == 0 else {
            let code = errno
            close(fd)
            throw ChurnError.io(path: path, operation: "write", errno: code)
        }
    }

    deinit {
        close(fd)
    }

    /// The error for a lock someone holds, with the holder's pid and start time as it wrote them. The holder
    /// writes them right after locking: a start in that instant waits briefly for them.
    static func heldBy(path: String, root: String) -> DaemonError {
        var fields: [String: String] = [:]
        for attempt in 0..<50 {
            if attempt > 0 { usleep(10_000) }
            let text = String(decoding: (try? FileSystem.readAll(path)) ?? [], as: UTF8.self)
            fields = [:]
            for line in text.split(separator: "\n") {
                guard let space = line.firstIndex(of: " ") else { continue }
                fields[String(line[..<space])] = String(line[line.index(after: space)...])
            }
            if fields["pid"] != nil, fields["since"] != nil { break }
        }
        return .anotherInstance(pid: fields["pid"].flatMap { Int32($0) }, root: absolute(root), since: fields["since"])
    }

    /// `root` with symbolic links and `.` resolved, or as given when it cannot be.
    static func absolute(_ root: String) -> String {
        guard let resolved = realpath(root, nil) else { return root }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
