import ChurnCore

#if canImport(Glibc)
    import Glibc
#endif

/// Prediction logs on disk: every `*.log` / `*.jsonl` in a folder, read line by line in bounded memory.
package enum PredictionLogFiles {
    package static func isLog(_ name: String) -> Bool {
        DataFiles.isCandidate(name) && (name.hasSuffix(".log") || name.hasSuffix(".jsonl"))
    }

    /// Log files in `directory`, oldest first (by modification time, then name), so later lines win.
    package static func list(in directory: String) throws -> [String] {
        guard FileSystem.isDirectory(directory) else { return [] }
        let names = try FileSystem.list(directory).filter(isLog)
        let dated = names.map { name -> (String, Int) in
            var info = stat()
            let path = "\(directory)/\(name)"
            return (path, lstat(path, &info) == 0 ? Int(info.st_mtim.tv_sec) : 0)
        }
        return dated.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.map(\.0)
    }

    /// Feeds every complete line of `path` to `body`; a partial last line (still being written) is left out.
    /// Returns the offset just past the last complete line, so a follower can resume there. `stop` is asked
    /// before each 64 KiB read: when it says true, reading ends there (a long log does not hold up shutdown).
    @discardableResult
    package static func forEachLine(
        in path: String, from offset: Int = 0, until stop: () -> Bool = { false }, _ body: (Substring) -> Void
    ) throws -> Int {
        try forEachRawLine(in: path, from: offset, until: stop) { body(Substring(String(decoding: $0, as: UTF8.self))) }
    }

    /// `forEachLine` with each line as its bytes (without the line feed, valid only during the call): a line
    /// within one 64 KiB read is not copied.
    @discardableResult
    package static func forEachRawLine(
        in path: String, from offset: Int = 0, until stop: () -> Bool = { false },
        _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) throws -> Int {
        let file = try FileSystem.openInput(path)
        defer { file.close() }
        if offset > 0, lseek(file.fd, off_t(offset), SEEK_SET) < 0 {
            throw ChurnError.io(path: path, operation: "seek", errno: errno)
        }
        var source = FileDescriptorSource(fd: file.fd, path: path)
        let size = 1 << 16
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        defer { chunk.deallocate() }
        // The start of a line that the last read cut off.
        var pending: [UInt8] = []
        var consumed = offset
        while !stop() {
            let n = try source.read(into: chunk, count: size)
            if n == 0 { break }
            var lineStart = 0
            while lineStart < n, let found = memchr(chunk + lineStart, 0x0A, n - lineStart) {
                let end = chunk.distance(to: found.assumingMemoryBound(to: UInt8.self))
                let piece = UnsafeBufferPointer(start: chunk + lineStart, count: end - lineStart)
                if pending.isEmpty {
                    body(piece)
                    consumed += piece.count + 1
                } else {
                    pending.append(contentsOf: piece)
                    pending.withUnsafeBufferPointer { body($0) }
                    consumed += pending.count + 1
                    pending.removeAll(keepingCapacity: true)
                }
                lineStart = end + 1
            }
            pending.append(contentsOf: UnsafeBufferPointer(start: chunk + lineStart, count: n - lineStart))
            // A single line longer than 1 MiB is not a prediction record: drop it rather than grow without bound.
            if pending.count > 1 << 20 { pending.removeAll() }
        }
        return consumed
    }
}
