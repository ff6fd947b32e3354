import ChurnCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An open input file read with `pread`, so several scoring threads read their byte ranges at once without
/// sharing a file offset. The descriptor belongs to the caller.
package struct FileRangeSource: PositionalByteSource {
    package let fd: Int32
    package let path: String
    package let size: Int

    package init(fd: Int32, path: String, size: Int) {
        self.fd = fd
        self.path = path
        self.size = size
    }

    package func read(at offset: Int, into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        var got = 0
        while got < count {
            let n = pread(fd, buffer + got, count - got, off_t(offset + got))
            if n > 0 {
                got += n
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw ChurnError.io(path: path, operation: "read", errno: errno)
            }
        }
        return got
    }
}

extension Scorer {
    /// Scores an open input file of `size` bytes, shown as `path` in messages: a large one in byte ranges on
    /// `nthread` threads (`scoreInParallel`), a small one, or one the parallel path declines (A/B serving, no
    /// id column), on this thread. The output bytes are the same either way. More threads than the processors
    /// this process may run on only add switching, so `nthread` is capped there; with one, the file is scored
    /// on this thread.
    package func score(
        fd: Int32, size: Int, path: String, scored: inout ByteWriter, errors: inout ByteWriter,
        progress: ((Int) -> Void)?, sample: inout PredictionSampler, timestamp: Double
    ) throws -> Summary {
        if let summary = try scoreInParallel(
            path: path, source: FileRangeSource(fd: fd, path: path, size: size),
            parallelism: Parallelism(workers: min(nthread, ProcessInfo.processInfo.activeProcessorCount)), scored: &scored, errors: &errors, progress: progress,
            sample: &sample, timestamp: timestamp)
        {
            return summary
        }
        return try score(
            path: path, source: FileDescriptorSource(fd: fd, path: path), scored: &scored, errors: &errors,
            progress: progress, sample: &sample, timestamp: timestamp)
    }
}
