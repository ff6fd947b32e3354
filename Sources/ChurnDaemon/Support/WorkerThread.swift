import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One thread of its own, for the daemon's lifetime, that runs blocking jobs one at a time in the order they
/// were given: a scoring worker.
///
/// A serial `DispatchQueue` runs its jobs in order too, but on whichever pool thread is free, and the pool ends
/// a thread that has been idle for about five seconds. Every file a worker retries after an I/O error would
/// then run on a thread that never saw the error: a fault that belongs to a thread (strace's fault injection
/// counts calls per thread, the crash sweep and the I/O-error tests rely on it) would come back on every retry
/// once the retry delay reaches the pool's idle limit, and the file would never be finished. Here the worker
/// that failed is the worker that retries.
final class WorkerThread: Sendable {
    private let jobs = Jobs()

    init(name: String) {
        let thread = Thread { [jobs] in jobs.run() }
        thread.name = name
        thread.start()
    }

    /// The thread ends once the jobs given before are done.
    deinit {
        jobs.stop()
    }

    /// Runs `job` on the worker's thread after every job given before it.
    func async(_ job: @escaping @Sendable () -> Void) {
        jobs.add(job)
    }

    /// Whether the calling thread is this worker's.
    var isCurrent: Bool { jobs.isCurrent }

    /// The jobs waiting, shared by the worker and its thread (the thread must not keep the worker alive).
    private final class Jobs: Sendable {
        private struct State {
            var waiting: [@Sendable () -> Void] = []
            var next = 0
            var stopping = false
            var thread: pthread_t?
        }

        private enum Next {
            case job(@Sendable () -> Void)
            case stop
            case nothing
        }

        private let state = Mutex(State())
        /// One signal per job, and one to stop.
        private let wake = DispatchSemaphore(value: 0)

        func add(_ job: @escaping @Sendable () -> Void) {
            state.withLock { $0.waiting.append(job) }
            wake.signal()
        }

        func stop() {
            state.withLock { $0.stopping = true }
            wake.signal()
        }

        var isCurrent: Bool {
            state.withLock { $0.thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
        }

        /// The thread's loop: each job in turn, until stopped with nothing left.
        func run() {
            state.withLock { $0.thread = pthread_self() }
            while true {
                wake.wait()
                let next: Next = state.withLock { state in
                    guard state.next < state.waiting.count else { return state.stopping ? .stop : .nothing }
                    let job = state.waiting[state.next]
                    state.next += 1
                    if state.next == state.waiting.count {
                        state.waiting.removeAll(keepingCapacity: true)
                        state.next = 0
                    }
                    return .job(job)
                }
                switch next {
                case .job(let job): job()
                case .stop: return
                case .nothing: continue
                }
            }
        }
    }
}

extension Blocking {
    /// `runAbandoningOnCancel(on:_:)` on `worker`'s own thread.
    static func runAbandoningOnCancel<T: Sendable>(
        on worker: WorkerThread, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await runAbandoningOnCancel(submit: { worker.async($0) }, body)
    }
}
