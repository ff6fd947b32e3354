import Synchronization

/// "Something changed": a generation counter that tasks wait on instead of polling.
///
/// `notify()` bumps the generation and wakes every waiter. A waiter passes the generation it last acted on
/// (read before it did the work), so a change made while it worked wakes it at once instead of being lost, and
/// many changes made meanwhile wake it once. Waiting costs nothing: the task is suspended until `notify()`, its
/// timeout, or its cancellation (graceful shutdown cancels it through `cancelWhenGracefulShutdown`).
package final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters cancelled before they were registered: they must not wait.
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// The number of changes so far.
    package var generation: UInt64 { state.withLock { $0.generation } }

    /// Records a change and wakes every waiter.
    package func notify() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns the generation once it differs from `seen`, at once when it already does; also returns (with the
    /// generation unchanged) when the task is cancelled.
    @discardableResult
    package func wait(past seen: UInt64) async -> UInt64 {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.generation != seen || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.resume()
        }
        return state.withLock { state in
            state.cancelled.remove(id)
            return state.generation
        }
    }

    /// Like `wait(past:)`, but returns after `timeout` seconds at the latest (nil: no timeout).
    @discardableResult
    package func wait(past seen: UInt64, timeout: Double?) async -> UInt64 {
        guard let timeout else { return await wait(past: seen) }
        guard timeout > 0 else { return generation }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(past: seen) }
            group.addTask { try? await Task.sleep(for: .seconds(timeout)) }
            await group.next()
            group.cancelAll()
        }
        return generation
    }

    /// Returns when any of `signals` moves past the generation given with it, after `timeout` seconds (nil: no
    /// timeout), or when the task is cancelled.
    package static func wait(forAny signals: [(signal: ChangeSignal, seen: UInt64)], timeout: Double?) async {
        await withTaskGroup(of: Void.self) { group in
            for (signal, seen) in signals { group.addTask { await signal.wait(past: seen, timeout: timeout) } }
            if signals.isEmpty, let timeout { group.addTask { try? await Task.sleep(for: .seconds(timeout)) } }
            await group.next()
            group.cancelAll()
        }
    }
}
