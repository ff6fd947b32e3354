import Synchronization
import Testing

@testable import ChurnDaemon

#if canImport(Glibc)
    import Glibc
#endif

/// A scoring worker is one thread for its lifetime: the I/O-error tests inject faults per thread and count on
/// a retried file running on a thread that has seen the fault before.
struct WorkerThreadTests {
    @Test func runsJobsInOrderOnItsOwnThread() async throws {
        let worker = WorkerThread(name: "test-worker")
        let seen = Shared<[Int]>([])
        let threads = Shared<Set<pthread_t>>([])
        let caller = pthread_self()
        var onWorker: [Bool] = []
        for index in 0..<200 {
            let current = try await Blocking.runAbandoningOnCancel(on: worker) {
                seen.withLock { $0.append(index) }
                threads.withLock { _ = $0.insert(pthread_self()) }
                return worker.isCurrent
            }
            onWorker.append(current)
        }
        #expect(seen.withLock { $0 } == Array(0..<200))
        #expect(threads.withLock { $0.count } == 1)
        #expect(!threads.withLock { $0.contains(caller) })
        #expect(onWorker.allSatisfy { $0 })
        #expect(!worker.isCurrent)
    }

    @Test func jobsGivenFromManyTasksRunOneAtATimeEachOnce() async throws {
        let worker = WorkerThread(name: "test-worker")
        let running = Shared(0)
        let overlaps = Shared(0)
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<100 {
                group.addTask {
                    try await Blocking.runAbandoningOnCancel(on: worker) {
                        let alongside = running.withLock { count in
                            count += 1
                            return count - 1
                        }
                        if alongside > 0 { overlaps.withLock { $0 += 1 } }
                        usleep(50)
                        running.withLock { $0 -= 1 }
                        return index
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<100))
        #expect(overlaps.withLock { $0 } == 0)
    }

    /// Dispatch ends a pool thread after about five seconds idle; a worker's thread stays.
    @Test func keepsItsThreadAfterBeingIdle() async throws {
        let worker = WorkerThread(name: "test-worker")
        // Kernel thread ids, which are not reused at once as `pthread_t` values can be.
        let first = try await Blocking.runAbandoningOnCancel(on: worker) { Self.kernelThreadID() }
        try await Task.sleep(for: .seconds(6))
        let second = try await Blocking.runAbandoningOnCancel(on: worker) { Self.kernelThreadID() }
        #expect(!first.isEmpty && first == second)
    }

    /// The calling thread's id as the kernel knows it (`/proc/thread-self` links to `PID/task/TID`).
    static func kernelThreadID() -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard count > 0 else { return "" }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func finishesWhatItWasGivenAfterItsLastOwnerLetsGo() async {
        let done = Shared(0)
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            var worker: WorkerThread? = WorkerThread(name: "test-worker")
            for _ in 0..<50 {
                worker?.async {
                    usleep(100)
                    done.withLock { $0 += 1 }
                }
            }
            worker?.async { finished.resume() }
            worker = nil
        }
        #expect(done.withLock { $0 } == 50)
    }
}

/// A value several threads touch, behind a lock.
private final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        value.withLock { body(&$0) }
    }
}
