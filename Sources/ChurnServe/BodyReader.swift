import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Reads a request body whole, within the size limit and the time limit: a declared `Content-Length` over the
/// limit is refused before a byte of the body is read, an undeclared one as soon as the limit is passed; a
/// client too slow to send its body gets 408 instead of holding a task forever.
///
/// The time limit is a deadline in `BodyDeadlines`, not a task or a timer per request: when it passes before the
/// body is in, the connection's input is closed, which ends the read, and the request is answered 408 (the
/// connection is then closed). A body that arrives in time removes its deadline; nothing else runs per request.
struct BodyReader: Sendable {
    var maxBytes: Int
    var timeoutSeconds: Double

    nonisolated(nonsending) func read(_ request: Request, context: ServeContext) async throws(RequestProblem) -> [UInt8]
    {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBytes {
            throw .tooLarge(limit: maxBytes)
        }
        let channel = context.channel
        let expiry = Expiry(channel: channel)
        let watch = BodyDeadlines.shared.watch(
            expiry, until: .now() + .nanoseconds(Int64(min(timeoutSeconds, 1e9) * 1e9)), on: channel.eventLoop)
        let result: Result<ByteBuffer, RequestProblem>
        do {
            result = .success(try await request.body.collect(upTo: maxBytes))
        } catch is NIOTooManyBytesError {
            result = .failure(.tooLarge(limit: maxBytes))
        } catch {
            result = .failure(.badRequest("cannot read the request body: \(error)"))
        }
        BodyDeadlines.shared.release(watch)
        // Expired: whatever the read gave (an error, or a body cut short by the closed input) is not the body.
        if expiry.fired { throw .timedOut(seconds: timeoutSeconds) }
        switch result {
        case .success(let buffer): return Array(buffer.readableBytesView)
        case .failure(let problem): throw problem
        }
    }

    /// Closes the connection's input when the time for the body has passed, and remembers it did.
    final class Expiry: Sendable {
        let channel: any Channel
        private let done = Atomic<Bool>(false)

        init(channel: any Channel) {
            self.channel = channel
        }

        var fired: Bool { done.load(ordering: .acquiring) }

        func fire() {
            done.store(true, ordering: .releasing)
            channel.close(mode: .input, promise: nil)
        }
    }
}

/// The deadlines of the request bodies being read, all watched by one timer: reading a body adds its deadline
/// (a lock and a dictionary insert) and removes it when the body is in; the timer is set for the earliest
/// deadline only, and when it fires it closes the input of every read past its deadline and sets itself for the
/// next one. A timer per request (scheduled on the event loop and cancelled when the body came) cost more than
/// reading the body: the loop's timer queue is searched and copied on every cancel.
final class BodyDeadlines: Sendable {
    static let shared = BodyDeadlines()

    private struct State {
        var watched: [Int: (deadline: NIODeadline, expiry: BodyReader.Expiry)] = [:]
        var nextKey = 0
        /// When the timer fires next; nil when it is not set.
        var sweepAt: NIODeadline?
    }

    private let state = Mutex(State())

    /// Watches a read until `release`; `expiry` fires if `deadline` passes first. Returns the key to release.
    func watch(_ expiry: BodyReader.Expiry, until deadline: NIODeadline, on eventLoop: any EventLoop) -> Int {
        let now = NIODeadline.now()
        let (key, setTimer) = state.withLock { state -> (Int, Bool) in
            let key = state.nextKey
            state.nextKey &+= 1
            state.watched[key] = (deadline, expiry)
            // Set for an earlier deadline, and not overdue (a timer that a stopping event loop never ran).
            if let at = state.sweepAt, at <= deadline, at + .seconds(1) > now { return (key, false) }
            state.sweepAt = deadline
            return (key, true)
        }
        if setTimer { schedule(at: deadline, on: eventLoop) }
        return key
    }

    /// Stops watching a read (its body is in, or could not be read).
    func release(_ key: Int) {
        state.withLock { _ = $0.watched.removeValue(forKey: key) }
    }

    /// Reads being watched (for tests).
    var watching: Int { state.withLock { $0.watched.count } }

    private func schedule(at deadline: NIODeadline, on eventLoop: any EventLoop) {
        // On an event loop that is shutting down this fails; `watch` sets a new timer once it is overdue.
        eventLoop.scheduleTask(deadline: deadline) { self.sweep(on: eventLoop) }
    }

    private func sweep(on eventLoop: any EventLoop) {
        let now = NIODeadline.now()
        let (expired, next) = state.withLock { state -> ([BodyReader.Expiry], NIODeadline?) in
            var expired: [BodyReader.Expiry] = []
            var earliest: NIODeadline?
            for (key, read) in state.watched {
                if read.deadline <= now {
                    expired.append(read.expiry)
                    state.watched[key] = nil
                } else if earliest.map({ read.deadline < $0 }) ?? true {
                    earliest = read.deadline
                }
            }
            // This timer sets the next one unless a timer still to come is set for that deadline or earlier.
            if let at = state.sweepAt, at > now, let earliest, at <= earliest { return (expired, nil) }
            if let at = state.sweepAt, at > now, earliest == nil { return (expired, nil) }
            state.sweepAt = earliest
            return (expired, earliest)
        }
        for expiry in expired { expiry.fire() }
        if let next { schedule(at: next, on: eventLoop) }
    }
}
