import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The random bits of generated request ids, read from the system 4 KiB at a time (`arc4random_buf`: glibc's
/// reads them from the kernel's `getrandom` in one call) and handed out 16 bytes per id, so that requests without
/// an id cost one system call per 256 ids instead of two per id (`SystemRandomNumberGenerator` reads 8 bytes per
/// call). Every id's bits still come from the kernel's generator; none are handed out twice.
final class RequestIDRandomness: Sendable {
    static let shared = RequestIDRandomness()

    /// Ids per read from the system (16 bytes each).
    static let idsPerRead = 256

    private struct Pool {
        var words: [UInt64] = []
        var next = 0
    }

    private let pool = Mutex(Pool())

    /// The next 128 random bits, as two words.
    func next() -> (UInt64, UInt64) {
        pool.withLock { pool in
            if pool.next + 2 > pool.words.count {
                if pool.words.isEmpty { pool.words = [UInt64](repeating: 0, count: 2 * Self.idsPerRead) }
                pool.words.withUnsafeMutableBytes { Self.fill($0) }
                pool.next = 0
            }
            defer { pool.next += 2 }
            return (pool.words[pool.next], pool.words[pool.next + 1])
        }
    }

    private static func fill(_ bytes: UnsafeMutableRawBufferPointer) {
        #if canImport(Glibc)
            arc4random_buf(bytes.baseAddress!, bytes.count)
        #else
            var generator = SystemRandomNumberGenerator()
            for offset in stride(from: 0, to: bytes.count, by: 8) {
                bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: offset, as: UInt64.self)
            }
        #endif
    }
}
