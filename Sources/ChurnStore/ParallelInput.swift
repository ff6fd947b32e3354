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
    /// `scoringThreads` threads (`scoreInParallel`), a small one, or one the parallel path declines (A/B
    /// serving, no id column), on this thread. The output bytes are the same either way.
    package func score(
        fd: Int32, size: Int, path: String, scored: inout ByteWriter, errors: inout ByteWriter,
        progress: ((Int) -> Void)?, sample: inout PredictionSampler, timestamp: Double
    ) throws -> Summary {
        // Below the parallel path's size the thread count is not asked for: it reads the cgroup's CPU limits,
        // files in /sys, which cost a small file's drop a few hundred microseconds.
        if size >= Parallelism(workers: 1).minimumBytes,
            let summary = try scoreInParallel(
                path: path, source: FileRangeSource(fd: fd, path: path, size: size),
                parallelism: Parallelism(workers: Self.scoringThreads(configured: nthread)), scored: &scored,
                errors: &errors, progress: progress, sample: &sample, timestamp: timestamp)
        {
            return summary
        }
        return try score(
            path: path, source: FileDescriptorSource(fd: fd, path: path), scored: &scored, errors: &errors,
            progress: progress, sample: &sample, timestamp: timestamp)
    }

    /// Threads worth scoring one file on: `configured`, but no more than the processors this process may run
    /// on (`cores`) that other work leaves free (`busy`: the other threads ready to run right now), counting the
    /// one this thread is on. The ranges are written in input order, so a thread the kernel leaves waiting holds
    /// the others up; on a machine busier than its cores the parallel path was measured slower than one thread
    /// (docs/performance.md), so there the file is scored on this thread.
    ///
    /// `busy` is what the machine is doing now, not the 1-minute load average: that average still counts work
    /// that ended a minute ago (right after a build or another scoring job, an idle machine scored on one
    /// thread).
    package static func scoringThreads(
        configured: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount, busy: Int? = otherRunnable()
    ) -> Int {
        guard let busy else { return max(1, min(configured, cores)) }
        let free = cores - busy + 1
        return max(1, min(configured, cores, free))
    }

    /// Threads of other work ready to run right now (the kernel's count of runnable tasks, in
    /// `/proc/loadavg`, less this one), or nil when the system does not say.
    package static func otherRunnable() -> Int? {
        let fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 128)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return runnable(inLoadavg: bytes[0..<n]).map { max(0, $0 - 1) }
    }

    /// The runnable count of a `/proc/loadavg` line ("0.52 0.58 0.59 3/467 12345": 3).
    package static func runnable(inLoadavg line: ArraySlice<UInt8>) -> Int? {
        let fields = line.split(separator: UInt8(ascii: " "))
        guard fields.count >= 4, let slash = fields[3].firstIndex(of: UInt8(ascii: "/")) else { return nil }
        return Int(String(decoding: fields[3][..<slash], as: UTF8.self))
    }
}
