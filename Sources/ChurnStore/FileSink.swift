import ChurnCore

extension ByteWriter {
    /// A writer that appends to an open file descriptor it does not own.
    package init(fd: Int32, path: String, capacity: Int = 1 << 18) {
        self.init(capacity: capacity) { bytes in try FileSystem.writeAll(fd, bytes, path: path) }
    }
}
