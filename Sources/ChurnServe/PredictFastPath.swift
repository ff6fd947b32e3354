import ChurnCore
import Foundation
import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// `POST /predict` answered in the connection's pipeline, on its event loop, when the whole request arrived in
/// one read: one customer's request is then read, scored, logged and answered without Hummingbird's async
/// request and response streams (tasks, async sequences, the router), which cost more than the scoring.
/// Measured against the route alone with `wrk` on the 2-core machine: 1.41× the requests per second.
///
/// The handler sits after Hummingbird's `HTTPConnectionStateHandler`, so keep-alive, `Connection: close`, the
/// idle timeout and graceful shutdown see these requests and answers as any other. Answers go out in the order
/// of the requests: while a request handed on is not answered yet (a client pipelining requests), the ones
/// after it are handed on too. Everything else goes on to Hummingbird untouched, and so does a `/predict`
/// request that does not qualify:
/// - without a `Content-Length` of at most `Handlers.onLoopBytes` and `[http] max_body_bytes` (large and
///   chunked bodies, 413),
/// - with `Expect` (`100-continue` is Hummingbird's to send),
/// - or whose body has not all arrived by the end of the read: its parts so far are handed on, and
///   Hummingbird reads the rest with its body timeout (slow clients get their 408 as before).
///
/// The answer is the route's (`Handlers.predict(_:shadow:headerID:started:)`), with the headers Hummingbird adds
/// (`Content-Length`, `Date`, `Server`), and it is counted in the same request metrics, as route `/predict`.
package final class PredictFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPRequestPart
    package typealias InboundOut = HTTPRequestPart
    package typealias OutboundIn = HTTPResponsePart
    package typealias OutboundOut = HTTPResponsePart

    private let handlers: Handlers
    private let serverName: String

    private enum State {
        /// Between requests.
        case idle
        /// A request for Hummingbird: its parts go on until its end.
        case passing
        /// A `/predict` request being read in this read: its head and body parts so far, and the shadow
        /// settings in force when it came (the configuration is read once per request).
        case reading(
            head: HTTPRequest, parts: [HTTPRequestPart], shadow: Config.Shadow, started: ContinuousClock.Instant)
    }

    private var state = State.idle
    /// Requests handed on whose answer has not been written to its end.
    private var handedOn = 0
    /// Answers written in this read, flushed together when it completes.
    private var unflushed = false
    private var date = HTTPDate()

    package init(handlers: Handlers, serverName: String) {
        self.handlers = handlers
        self.serverName = serverName
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch state {
        case .idle:
            guard case .head(let head) = part, handedOn == 0, let shadow = qualifies(head) else {
                if case .head = part {
                    state = .passing
                    handedOn += 1
                }
                return context.fireChannelRead(data)
            }
            state = .reading(head: head, parts: [part], shadow: shadow, started: .now)
        case .passing:
            if case .end = part { state = .idle }
            context.fireChannelRead(data)
        case .reading(let head, var parts, let shadow, let started):
            guard case .end = part else {
                parts.append(part)
                state = .reading(head: head, parts: parts, shadow: shadow, started: started)
                return
            }
            state = .idle
            answer(head, parts, shadow: shadow, started: started, context: context)
        }
    }

    package func channelReadComplete(context: ChannelHandlerContext) {
        if case .reading(_, let parts, _, _) = state {
            // The body is not all here: Hummingbird reads the rest, with its timeout.
            state = .passing
            handedOn += 1
            for part in parts { context.fireChannelRead(wrapInboundOut(part)) }
        }
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Hummingbird's answers to the requests handed on (this handler's own are written past it).
    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { handedOn = max(0, handedOn - 1) }
        context.write(data, promise: promise)
    }

    /// For a `POST /predict` whose declared body is small enough to score on the event loop, the shadow
    /// settings to score it with; nil for any other request.
    private func qualifies(_ head: HTTPRequest) -> Config.Shadow? {
        guard head.method == .post, let path = head.path, path == "/predict" || path.hasPrefix("/predict?"),
            head.headerFields[.expect] == nil,
            let length = head.headerFields[.contentLength].flatMap({ Int($0) })
        else { return nil }
        let settings = handlers.config()
        return length <= min(Handlers.onLoopBytes, settings.http.maxBodyBytes) ? settings.shadow : nil
    }

    private func answer(
        _ head: HTTPRequest, _ parts: [HTTPRequestPart], shadow: Config.Shadow, started: ContinuousClock.Instant,
        context: ChannelHandlerContext
    ) {
        var bytes: [UInt8] = []
        for case .body(let buffer) in parts { bytes.append(contentsOf: buffer.readableBytesView) }
        let headerID = head.headerFields[.requestID].flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
        let answer = handlers.predict(bytes, shadow: shadow, headerID: headerID, started: started)
        var fields = answer.headers
        fields[.contentLength] = String(answer.body.readableBytes)
        fields[.date] = date.now()
        fields[.server] = serverName
        context.write(wrapOutboundOut(.head(HTTPResponse(status: answer.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(answer.body)), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        unflushed = true
        MetricsExport.recordRequest(
            route: "/predict", status: answer.status.code, seconds: Handlers.milliseconds(since: started) / 1e3)
    }
}

/// The `Date` header's value (RFC 9110's IMF-fixdate), formatted once per second.
struct HTTPDate {
    private var second = 0
    private var text = ""

    mutating func now() -> String {
        var clock = time(nil)
        if clock != second || text.isEmpty {
            second = clock
            var parts = tm()
            gmtime_r(&clock, &parts)
            text = Self.format(parts)
        }
        return text
    }

    static func format(_ t: tm) -> String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(t.tm_wday)]), \(two(t.tm_mday)) \(months[Int(t.tm_mon)]) \(t.tm_year + 1900) "
            + "\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)) GMT"
    }
}
