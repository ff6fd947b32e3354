import Dispatch
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Runs blocking work (file I/O, training) on a dispatch queue of its own, off Swift's cooperative pool
/// (two threads here: one long file must not stall every task).
enum Blocking {
    static func run<T: Sendable>(
        on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// Seconds on the monotonic clock.
package func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

/// Seconds since 1970 on the wall clock.
func wallSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

/// Sleeps, but wakes at once when graceful shutdown begins (or the task is cancelled).
func sleepUnlessShuttingDown(seconds: Double) async {
    guard !Task.isShuttingDownGracefully else { return }
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
}
