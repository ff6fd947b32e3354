import CLinux
import ChurnCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// File operations with the guarantees churnd promises: inputs are opened without following links and
/// must be regular files; outputs appear whole or not at all (temporary name, fsync, rename, fsync dir).
package enum FileSystem {
    /// An open input file. Closing is the owner's job (`close()`), so the descriptor can be handed to a reader.
    package struct InputFile: Sendable {
        package let fd: Int32
        package let path: String
        package let size: Int
        package let links: Int

        package func close() {
            Glibc.close(fd)
        }
    }

    /// Opens `path` for reading with `O_NOFOLLOW | O_NONBLOCK` (so a FIFO cannot block us) and checks with
    /// `fstat` that it is a regular file.
    package static func openInput(_ path: String) throws -> InputFile {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ELOOP {
                throw ChurnError.badFile(path: path, message: "is a symbolic link; refusing to follow it")
            }
            throw ChurnError.io(path: path, operation: "open", errno: code)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw ChurnError.io(path: path, operation: "stat", errno: code)
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            Glibc.close(fd)
            let kind =
                switch type {
                case S_IFDIR: "a directory"
                case S_IFIFO: "a FIFO"
                case S_IFCHR, S_IFBLK: "a device"
                case S_IFSOCK: "a socket"
                default: "not a regular file"
                }
            throw ChurnError.badFile(path: path, message: "is \(kind), not a regular file")
        }
        // Back to blocking reads for a regular file.
        _ = fcntl(fd, F_SETFL, O_RDONLY)
        return InputFile(fd: fd, path: path, size: Int(info.st_size), links: Int(info.st_nlink))
    }

    /// Creates `path` and any missing parents.
    package static func makeDirectory(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw ChurnError.io(path: current, operation: "mkdir", errno: errno)
            }
        }
    }

    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    package static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// Names in a directory, without `.` and `..`, sorted.
    package static func list(_ directory: String) throws -> [String] {
        guard let dir = opendir(directory) else {
            throw ChurnError.io(path: directory, operation: "opendir", errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        // The name is read where it lies, up to its NUL: an entry's record can end before the 256 bytes
        // `d_name` is declared with (the last entry of a buffer), so copying the whole field reads past it.
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        while let entry = readdir(dir) {
            let name = String(
                cString: UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self))
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    package static func readAll(_ path: String) throws -> [UInt8] {
        let file = try openInput(path)
        defer { Glibc.close(file.fd) }
        var bytes = [UInt8](repeating: 0, count: file.size)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(file.fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ChurnError.io(path: path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            offset += n
        }
        return Array(bytes[0..<offset])
    }

    /// Writes all of `bytes` to `fd`, going on after short and interrupted writes.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        guard let start = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, start + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ChurnError.io(path: path, operation: "write", errno: errno)
            }
            offset += n
        }
    }

    package static func fsyncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ChurnError.io(path: directory, operation: "open", errno: errno) }
        defer { Glibc.close(fd) }
        if fsync(fd) != 0 { throw ChurnError.io(path: directory, operation: "fsync", errno: errno) }
    }

    /// Starts writing `fd`'s dirty pages to disk without waiting for them (`sync_file_range` with
    /// `SYNC_FILE_RANGE_WRITE`). Only a hint, that makes a later `fdatasync` shorter: no guarantee rests on it,
    /// so its result is ignored.
    package static func startWriteback(_ fd: Int32) {
        _ = sync_file_range(fd, 0, 0, churnd_sync_file_range_write)
    }

    /// Writes `bytes` to `path` atomically, replacing it if it exists.
    package static func writeAtomically(_ path: String, bytes: [UInt8]) throws {
        let (directory, name) = split(path)
        let file = try PendingFile(directory: directory, name: name)
        var writer = ByteWriter(fd: file.fd, path: path)
        try bytes.withUnsafeBufferPointer { try writer.write($0) }
        try writer.flush()
        _ = try file.publish(as: name, replacing: true)
        try fsyncDirectory(directory)
    }

    /// Directory and last component of a path.
    package static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}

/// An output being written under a hidden temporary name in its final directory: `publish` makes it
/// appear whole under its final name; `discard` (or deinit) removes it.
package final class PendingFile {
    package let fd: Int32
    package let directory: String
    package let temporaryPath: String
    private var isOpen = true
    private var published = false
    private static let counter = Atomic<Int>(0)

    /// Creates a hidden temporary file in `directory`, named after `name`.
    package init(directory: String, name: String) throws {
        self.directory = directory
        let unique = PendingFile.counter.wrappingAdd(1, ordering: .relaxed).newValue
        var attempt = 0
        while true {
            let candidate = "\(directory)/.\(name).\(getpid()).\(unique).\(attempt).tmp"
            let fd = Glibc.open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                self.fd = fd
                temporaryPath = candidate
                return
            }
            if errno != EEXIST || attempt > 100 {
                throw ChurnError.io(path: candidate, operation: "create", errno: errno)
            }
            attempt += 1
        }
    }

    /// Creates (or truncates) the hidden temporary file `directory/temporaryName`: for writers that need a
    /// name they can find again after a crash (the daemon puts its claim id in it).
    package init(directory: String, temporaryName: String) throws {
        self.directory = directory
        temporaryPath = "\(directory)/\(temporaryName)"
        let fd = Glibc.open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ChurnError.io(path: temporaryPath, operation: "create", errno: errno) }
        self.fd = fd
    }

    deinit {
        if !published { discard() }
    }

    /// Syncs the file and leaves it under its temporary name for a later step to publish.
    package func keep() throws {
        try sync()
        published = true
    }

    /// Leaves the file under its temporary name unsynced, its writeback started (`FileSystem.startWriteback`),
    /// and hands its descriptor, still open, to the caller, who syncs and closes it (`UnsyncedFiles`): for files
    /// synced together later, so that the first sync's journal commit covers the others' blocks too.
    package func keepUnsynced() -> Int32? {
        guard isOpen else { return nil }
        FileSystem.startWriteback(fd)
        isOpen = false
        published = true
        return fd
    }

    /// Flushes the data to disk and closes the file. `fdatasync`: it writes the data and the metadata needed
    /// to read it back (size, blocks), leaving out only the times; the directory entry is synced separately.
    package func sync() throws {
        guard isOpen else { return }
        if fdatasync(fd) != 0 { throw ChurnError.io(path: temporaryPath, operation: "fdatasync", errno: errno) }
        Glibc.close(fd)
        isOpen = false
    }

    /// Gives the synced file its final `name`. Without `replacing`, an existing file is never overwritten:
    /// returns false instead (link() fails on an existing name, an atomic "rename if absent").
    /// The caller fsyncs the directory once after publishing everything.
    package func publish(as name: String, replacing: Bool) throws -> Bool {
        try sync()
        let target = "\(directory)/\(name)"
        if replacing {
            guard rename(temporaryPath, target) == 0 else {
                throw ChurnError.io(path: target, operation: "rename", errno: errno)
            }
        } else {
            guard link(temporaryPath, target) == 0 else {
                if errno == EEXIST { return false }
                throw ChurnError.io(path: target, operation: "link", errno: errno)
            }
            unlink(temporaryPath)
        }
        published = true
        return true
    }

    package func discard() {
        if isOpen {
            Glibc.close(fd)
            isOpen = false
        }
        if !published { unlink(temporaryPath) }
    }
}
