import ChurnCore
import ChurnStore

#if canImport(Glibc)
    import Glibc
#endif

/// Follows every `*.log` / `*.jsonl` under `watch/logs` (one level of subfolders too) into bounded
/// per-version windows. Files are tracked by device and inode with the offset read so far, so appends are
/// read once, a file renamed by rotation is not read again, a truncated file is read from its start (seen by a
/// smaller size, or by changed first bytes when it was rewritten past its old size between two syncs), and a
/// partial last line waits for its newline. Not thread-safe: one owner calls `sync()`.
struct PredictionLogFollower {
    let directory: String
    private(set) var windows: PredictionWindows
    private var files: [FileKey: Position] = [:]

    /// How far a file was read, and its first bytes then.
    struct Position {
        var offset = 0
        var head: [UInt8] = []
    }

    struct FileKey: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    init(directory: String, schema: Schema, lastN: Int) {
        self.directory = directory
        windows = PredictionWindows(schema: schema, capacity: lastN)
    }

    /// How lines that name no version number are attributed from now on (refresh before each `sync()`).
    var attribution: VersionAttribution {
        get { windows.attribution }
        set { windows.attribution = newValue }
    }

    /// Reads what was appended since the last call. Returns the number of complete lines read. When `stop` says
    /// true (asked every 64 KiB) it returns early; the next call goes on from where this one stopped.
    @discardableResult
    mutating func sync(until stop: () -> Bool = { false }) -> Int {
        var seen: Set<FileKey> = []
        var lines = 0
        for path in logFiles() {
            // Stopped: the files not visited are not forgotten (they would be read again from their start).
            if stop() { return lines }
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            let key = FileKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            seen.insert(key)
            var position = files[key] ?? Position()
            if Int(info.st_size) < position.offset
                || (position.offset > 0 && !head(of: path).starts(with: position.head))
            {
                position = Position()  // truncated or rewritten in place: start again
            }
            guard Int(info.st_size) > position.offset else {
                files[key] = position
                continue
            }
            // Into `self.windows` in place: a copy held meanwhile would make the first line copy every window.
            let end = try? PredictionLogFiles.forEachRawLine(in: path, from: position.offset, until: stop) { line in
                self.windows.ingest(bytes: line)
                lines += 1
            }
            position.offset = end ?? position.offset
            position.head = head(of: path)
            files[key] = position
        }
        // Forget files that are gone (deleted, or rotated out of the followed names).
        files = files.filter { seen.contains($0.key) }
        return lines
    }

    /// The first bytes of a file (up to 256).
    private func head(of path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 256)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 256, 0) }
        return n > 0 ? Array(bytes[0..<n]) : []
    }

    private func logFiles() -> [String] {
        var files = (try? PredictionLogFiles.list(in: directory)) ?? []
        for name in (try? FileSystem.list(directory)) ?? [] where DataFiles.isCandidate(name) {
            let sub = "\(directory)/\(name)"
            if FileSystem.isDirectory(sub) { files += (try? PredictionLogFiles.list(in: sub)) ?? [] }
        }
        return files
    }
}
