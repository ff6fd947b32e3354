import ChurnCore

#if canImport(Glibc)
    import Glibc
#endif

extension ByteWriter {
    /// A writer that appends to an open file descriptor it does not own.
    public init(fd: Int32, path: String, capacity: Int = 1 << 18) {
        self.init(capacity: capacity) { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ChurnError.io(path: path, operation: "write", errno: errno)
                }
                offset += n
            }
        }
    }
}
