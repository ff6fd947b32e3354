import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Reads a request body whole, within the size limit and the time limit: a declared `Content-Length` over the
/// limit is refused before a byte of the body is read, an undeclared one as soon as the limit is passed; a
/// client too slow to send its body gets 408 instead of holding a task forever.
///
/// The time limit is a timer on the connection's event loop, not a task: when it fires before the body is in,
/// it closes the connection's input, which ends the read, and the request is answered 408 (the connection is
/// then closed). A body that arrives in time cancels the timer; nothing else runs per request.
struct BodyReader: Sendable {
    var maxBytes: Int
    var timeoutSeconds: Double

    func read(_ request: Request, context: ServeContext) async throws(RequestProblem) -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBytes {
            throw .tooLarge(limit: maxBytes)
        }
        let channel = context.channel
        let expiry = Expiry(channel: channel)
        // Nil only while the event loop shuts down (the connection is then closed anyway).
        let timer = try? channel.eventLoop.scheduleCallback(
            at: .now() + .nanoseconds(Int64(min(timeoutSeconds, 1e9) * 1e9)), handler: expiry)
        let result: Result<ByteBuffer, RequestProblem>
        do {
            result = .success(try await request.body.collect(upTo: maxBytes))
        } catch is NIOTooManyBytesError {
            result = .failure(.tooLarge(limit: maxBytes))
        } catch {
            result = .failure(.badRequest("cannot read the request body: \(error)"))
        }
        timer?.cancel()
        // Expired: whatever the read gave (an error, or a body cut short by the closed input) is not the body.
        if expiry.fired { throw .timedOut(seconds: timeoutSeconds) }
        switch result {
        case .success(let buffer): return Array(buffer.readableBytesView)
        case .failure(let problem): throw problem
        }
    }

    /// Closes the connection's input when the time for the body has passed, and remembers it did.
    private final class Expiry: NIOScheduledCallbackHandler, Sendable {
        let channel: any Channel
        private let done = Atomic<Bool>(false)

        init(channel: any Channel) {
            self.channel = channel
        }

        var fired: Bool { done.load(ordering: .acquiring) }

        func handleScheduledCallback(eventLoop: some EventLoop) {
            done.store(true, ordering: .releasing)
            channel.close(mode: .input, promise: nil)
        }
    }
}
