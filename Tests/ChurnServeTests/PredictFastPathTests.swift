import ChurnCore
import ChurnServe
import ChurnTestKit
import Foundation
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `POST /predict` answered in the pipeline when it arrives whole (`PredictFastPath`), and everything else handed
/// on to the routes, unchanged and in order.
@Suite(.serialized)
struct PredictFastPathTests {
    static let body = Array(ServeFixture.customer.utf8)

    static func head(_ method: HTTPRequest.Method, _ path: String, _ fields: HTTPFields = [:]) -> HTTPRequestPart {
        .head(HTTPRequest(method: method, scheme: nil, authority: "x", path: path, headerFields: fields))
    }

    static let whole: HTTPFields = [.contentLength: String(body.count), .contentType: "application/json"]

    @Test func aWholeRequestIsAnsweredAndTheOthersAreHandedOn() async throws {
        let serve = try await ServeFixture()
        let channel = EmbeddedChannel(handler: PredictFastPath(handlers: serve.server.handlers, serverName: "churnd"))
        let pipeline = channel.pipeline

        // Given a /predict request whose head, body and end arrive in one read,
        pipeline.fireChannelRead(Self.head(.post, "/predict", Self.whole + [HTTPField.Name("X-Request-ID")!: "abc"]))
        pipeline.fireChannelRead(HTTPRequestPart.body(ByteBuffer(bytes: Self.body)))
        pipeline.fireChannelRead(HTTPRequestPart.end(nil))
        pipeline.fireChannelReadComplete()
        // then it is answered here, with the route's answer and Hummingbird's headers, and not handed on.
        guard case .head(let response) = try channel.readOutbound(as: HTTPResponsePart.self),
            case .body(let bytes) = try channel.readOutbound(as: HTTPResponsePart.self),
            case .end(nil) = try channel.readOutbound(as: HTTPResponsePart.self)
        else { Issue.record("no answer of three parts"); return }
        #expect(response.status == .ok)
        #expect(response.headerFields[.contentLength] == String(bytes.readableBytes))
        #expect(response.headerFields[.contentType] == "application/json")
        #expect(response.headerFields[.server] == "churnd")
        #expect(response.headerFields[.date]?.hasSuffix(" GMT") == true)
        #expect(response.headerFields[HTTPField.Name("X-Request-ID")!] == "abc")
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any])
        #expect(answer["request_id"] as? String == "abc" && answer["model_version"] as? String == "1")
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == nil)

        // Given requests that do not qualify (another route, no length, a body too large for the loop, Expect),
        for head in [
            Self.head(.get, "/health"),
            Self.head(.post, "/predict", [.contentType: "application/json"]),
            Self.head(.post, "/predict", [.contentLength: String(Handlers.onLoopBytes + 1)]),
            Self.head(.post, "/predict", Self.whole + [.expect: "100-continue"]),
            Self.head(.post, "/invocations", Self.whole),
        ] {
            pipeline.fireChannelRead(head)
            pipeline.fireChannelRead(HTTPRequestPart.end(nil))
            pipeline.fireChannelReadComplete()
            // each is handed on whole, and nothing is answered here;
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == head)
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
            #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
            // and until the route has answered it, a whole /predict request after it is handed on too (its
            // answer must not overtake the route's).
            let next = Self.head(.post, "/predict", Self.whole)
            pipeline.fireChannelRead(next)
            pipeline.fireChannelRead(HTTPRequestPart.body(ByteBuffer(bytes: Self.body)))
            pipeline.fireChannelRead(HTTPRequestPart.end(nil))
            pipeline.fireChannelReadComplete()
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == next)
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .body(ByteBuffer(bytes: Self.body)))
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
            #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
            // The route answers both.
            for _ in 0..<2 {
                try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
                try channel.writeOutbound(HTTPResponsePart.end(nil))
                #expect(try channel.readOutbound(as: HTTPResponsePart.self) == .head(HTTPResponse(status: .ok)))
                #expect(try channel.readOutbound(as: HTTPResponsePart.self) == .end(nil))
            }
        }

        // Given a /predict request whose body has not all come when the read ends,
        let first = Self.head(.post, "/predict", Self.whole)
        let half = HTTPRequestPart.body(ByteBuffer(bytes: Self.body.prefix(10)))
        pipeline.fireChannelRead(first)
        pipeline.fireChannelRead(half)
        pipeline.fireChannelReadComplete()
        // then what came is handed on in order, and the rest follows it.
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == first)
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == half)
        let rest = HTTPRequestPart.body(ByteBuffer(bytes: Self.body.dropFirst(10)))
        pipeline.fireChannelRead(rest)
        pipeline.fireChannelRead(HTTPRequestPart.end(nil))
        pipeline.fireChannelReadComplete()
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == rest)
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
        // Once the route has answered it, a whole request is answered here again.
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try channel.readOutbound(as: HTTPResponsePart.self)
        pipeline.fireChannelRead(Self.head(.post, "/predict", Self.whole))
        pipeline.fireChannelRead(HTTPRequestPart.body(ByteBuffer(bytes: Self.body)))
        pipeline.fireChannelRead(HTTPRequestPart.end(nil))
        pipeline.fireChannelReadComplete()
        guard case .head(let again) = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("not answered after the route's answer")
            return
        }
        #expect(again.status == .ok)
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == nil)
        _ = try channel.finish()
        try await serve.stop()
    }

    @Test func pipelinedRequestsAreAnsweredInOrderByBothPaths() async throws {
        let serve = try await ServeFixture()
        let port = serve.client.port
        let received = try await HTTPClient.offPool { () -> [UInt8] in
            let socket = try Socket(host: "127.0.0.1", port: port, timeout: 10)
            defer { socket.close() }
            let predict = { (id: String, close: Bool) in
                "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Request-ID: \(id)\r\n"
                    + "Content-Length: \(Self.body.count)\r\n\(close ? "Connection: close\r\n" : "")\r\n"
                    + ServeFixture.customer
            }
            // A fast-path answer, a route's, a body that comes late (the route reads it), then a last one
            // that closes the connection: all in one write but the late body.
            try socket.send(Array((predict("one", false) + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n").utf8))
            let late = predict("three", false)
            try socket.send(Array(late.utf8.dropLast(20)))
            usleep(300_000)
            try socket.send(Array(late.utf8.suffix(20)) + Array(predict("four", true).utf8))
            return try socket.receiveAll()
        }
        let responses = try Self.split(received)
        #expect(responses.map(\.status) == [200, 200, 200, 200])
        #expect(responses.map { $0.json["request_id"] as? String } == ["one", nil, "three", "four"])
        #expect(responses[1].json["status"] as? String == "ok")
        let probabilities = Set([0, 2, 3].map { responses[$0].json["probability"] as? Double })
        #expect(probabilities.count == 1 && probabilities.first! != nil)
        // The connection was closed after the last answer (`receiveAll` read to its end).
        try await serve.stop()
    }

    /// Responses one after another in `bytes`, each with a `Content-Length`.
    static func split(_ bytes: [UInt8]) throws -> [HTTPClient.Response] {
        var responses: [HTTPClient.Response] = []
        var at = 0
        while at < bytes.count {
            let rest = Array(bytes[at...])
            guard let end = Socket.find([13, 10, 13, 10], in: rest) else {
                throw HTTPClient.Failure(description: "no head")
            }
            let head = String(decoding: rest[0..<end], as: UTF8.self).split(separator: "\r\n")
            var headers: [String: String] = [:]
            for line in head.dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
            let length = Int(headers["content-length"] ?? "") ?? 0
            let status = Int(head.first?.split(separator: " ")[1] ?? "") ?? 0
            responses.append(
                HTTPClient.Response(status: status, headers: headers, body: Array(rest[(end + 4)..<(end + 4 + length)]))
            )
            at += end + 4 + length
        }
        return responses
    }
}
