import ChurnStore
import Dispatch
import ServiceLifecycle
import Synchronization

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

    /// Like `run(on:_:)`, but a cancelled task stops waiting at once (throwing `CancellationError`) while the
    /// work itself goes on to its end on the queue, its result dropped: shutdown does not wait for a file in
    /// hand past its grace period.
    static func runAbandoningOnCancel<T: Sendable>(
        on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await runAbandoningOnCancel(submit: { queue.async(execute: $0) }, body)
    }

    static func runAbandoningOnCancel<T: Sendable>(
        submit: (@escaping @Sendable () -> Void) -> Void, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let waiter = Waiter<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiter.set(continuation)
                submit { waiter.resume(with: Result { try body() }) }
            }
        } onCancel: {
            waiter.cancel()
        }
    }

    /// The continuation of `runAbandoningOnCancel`, resumed once: by the work or by cancellation, first come.
    private final class Waiter<T: Sendable>: Sendable {
        private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, cancelled: Bool)>((nil, false))

        func set(_ continuation: CheckedContinuation<T, any Error>) {
            let cancelled = state.withLock { state in
                if !state.cancelled { state.continuation = continuation }
                return state.cancelled
            }
            if cancelled { continuation.resume(throwing: CancellationError()) }
        }

        func resume(with result: Result<T, any Error>) {
            state.withLock { $0.continuation.take() }?.resume(with: result)
        }

        func cancel() {
            state.withLock { state in
                state.cancelled = true
                return state.continuation.take()
            }?.resume(throwing: CancellationError())
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

/// Waits until `signal` moves past `seen`, `timeout` seconds pass (nil: no timeout), or graceful shutdown
/// begins; returns the signal's generation then.
@discardableResult
func waitUnlessShuttingDown(for signal: ChangeSignal, past seen: UInt64, timeout: Double? = nil) async -> UInt64 {
    guard !Task.isShuttingDownGracefully else { return signal.generation }
    return await cancelWhenGracefulShutdown { await signal.wait(past: seen, timeout: timeout) }
}

/// Waits until any of `signals` moves past the generation given with it, `timeout` seconds pass (nil: no
/// timeout), or graceful shutdown begins.
func waitUnlessShuttingDown(forAny signals: [(signal: ChangeSignal, seen: UInt64)], timeout: Double?) async {
    guard !Task.isShuttingDownGracefully else { return }
    await cancelWhenGracefulShutdown { await ChangeSignal.wait(forAny: signals, timeout: timeout) }
}
