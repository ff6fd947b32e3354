import ChurnCore

extension ByteWriter {
    /// A writer that appends to an open file descriptor it does not own.
    /// - Parameter writebackEvery: when not nil, the file's writeback is started (`FileSystem.startWriteback`)
    ///   each time this many more bytes were written, so that the disk writes a large output while it is
    ///   being made and the `fdatasync` at the end waits for its last part only.
    package init(fd: Int32, path: String, capacity: Int = 1 << 18, writebackEvery: Int? = nil) {
        guard let writebackEvery else {
            self.init(capacity: capacity) { bytes in try FileSystem.writeAll(fd, bytes, path: path) }
            return
        }
        var sinceWriteback = 0
        self.init(capacity: capacity) { bytes in
            try FileSystem.writeAll(fd, bytes, path: path)
            sinceWriteback += bytes.count
            if sinceWriteback >= writebackEvery {
                FileSystem.startWriteback(fd)
                sinceWriteback = 0
            }
        }
    }
}
