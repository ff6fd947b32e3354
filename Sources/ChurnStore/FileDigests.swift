import ChurnCore
import Crypto
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// SHA-256 of files, remembered per process by identity and change times, so deciding whether a data set was
/// already trained on reads only the files that are new or changed since the last decision.
///
/// A digest is reused only while the file's device, inode, size, modification and status-change times are
/// all the same (the status-change time cannot be set back by a user, so rewriting a file in place with its
/// old modification time still shows), and is remembered only when those did not change while it was read.
package final class FileDigests: Sendable {
    struct Identity: Hashable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var changed: Int64

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        }
    }

    private let known = Mutex<[String: (Identity, String)]>([:])

    package init() {}

    /// Lower-case hexadecimal SHA-256 of the file at `path` (a regular file, not followed through a link).
    package func sha256(_ path: String) throws -> String {
        let file = try FileSystem.openInput(path)
        defer { file.close() }
        let before = try identity(file)
        if let (held, digest) = known.withLock({ $0[path] }), held == before { return digest }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(file.fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ChurnError.io(path: path, operation: "read", errno: errno)
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        let digest = hexString(hasher.finalize())
        if try identity(file) == before { known.withLock { $0[path] = (before, digest) } }
        return digest
    }

    private func identity(_ file: FileSystem.InputFile) throws -> Identity {
        var info = stat()
        guard fstat(file.fd, &info) == 0 else { throw ChurnError.io(path: file.path, operation: "stat", errno: errno) }
        return Identity(info)
    }
}
