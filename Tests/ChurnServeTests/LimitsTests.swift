import ChurnCore
import ChurnServe
import ChurnTestKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Bodies too large or too slow are refused without reading them whole or waiting forever; other clients are
/// answered meanwhile.
@Suite(.serialized)
struct LimitsTests {
    @Test func aDeclared100MBBodyIs413BeforeAByteOfItIsSent() async throws {
        let serve = try await ServeFixture()
        let port = serve.client.port
        let response = try await HTTPClient.offPool {
            let socket = try Socket(host: "127.0.0.1", port: port, timeout: 10)
            defer { socket.close() }
            try socket.send(
                Array(
                    "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n"
                        .utf8))
            return try socket.readResponse()
        }
        #expect(response.status == 413)
        #expect((response.json["detail"] as? String)?.contains("max_body_bytes") == true)
        try await serve.stop()
    }

    @Test func aChunkedBodyPastTheLimitIs413AfterTheLimitNotAtItsEnd() async throws {
        let serve = try await ServeFixture { $0.http.maxBodyBytes = 64 << 10 }
        let port = serve.client.port
        let (response, sent) = try await HTTPClient.offPool { () -> (HTTPClient.Response, Int) in
            let socket = try Socket(host: "127.0.0.1", port: port, timeout: 10)
            defer { socket.close() }
            try socket.send(
                Array(
                    "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        .utf8))
            // Up to 100 MB in 64 KiB chunks; the server answers (and closes) long before.
            let chunk = Array("10000\r\n".utf8) + [UInt8](repeating: 0x20, count: 65_536) + Array("\r\n".utf8)
            var sent = 0
            while sent < 100 << 20 {
                do { try socket.send(chunk) } catch { break }
                sent += 65_536
                var poll = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
                if Glibc.poll(&poll, 1, 0) > 0 { break }
            }
            return (try socket.readResponse(), sent)
        }
        #expect(response.status == 413)
        #expect(sent < 50 << 20)
        try await serve.stop()
    }

    @Test func aClientSendingOneByteASecondTimesOutAndOthersAreServedMeanwhile() async throws {
        let serve = try await ServeFixture { $0.http.requestTimeoutSeconds = 2 }
        let port = serve.client.port
        let slow = Task {
            try await HTTPClient.offPool { () -> (HTTPClient.Response, Double) in
                let started = Date()
                let socket = try Socket(host: "127.0.0.1", port: port, timeout: 20)
                defer { socket.close() }
                let body = Array(ServeFixture.customer.utf8)
                try socket.send(
                    Array(
                        "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
                            .utf8))
                for byte in body.prefix(30) {
                    var poll = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
                    if Glibc.poll(&poll, 1, 1000) > 0 { break }  // answered: stop sending
                    do { try socket.send([byte]) } catch { break }
                }
                return (try socket.readResponse(), Date().timeIntervalSince(started))
            }
        }
        // While the slow client dribbles, others get their answers at once.
        for _ in 0..<5 {
            let started = Date()
            let fast = try await serve.client.async("POST", "/predict", body: ServeFixture.customer)
            #expect(fast.status == 200)
            #expect(Date().timeIntervalSince(started) < 1.5)
            try await Task.sleep(for: .milliseconds(200))
        }
        let (response, seconds) = try await slow.value
        #expect(response.status == 408)
        #expect(seconds < 10)
        try await serve.stop()
    }

    /// Every body being read has its own deadline, though one timer watches them all: slow clients that start at
    /// different times are each cut off when their own time is up (not before, and not only the first), while
    /// fast requests add and remove deadlines of their own in between.
    @Test func slowClientsStartedAtDifferentTimesEachTimeOutOnTheirOwnDeadline() async throws {
        let timeout = 1.5
        let serve = try await ServeFixture { $0.http.requestTimeoutSeconds = timeout }
        let port = serve.client.port
        func slowClient(after delay: Double) -> Task<(Int, Double), any Error> {
            Task {
                try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                return try await HTTPClient.offPool { () -> (Int, Double) in
                    let socket = try Socket(host: "127.0.0.1", port: port, timeout: 20)
                    defer { socket.close() }
                    let body = Array(ServeFixture.customer.utf8)
                    let started = Date()
                    try socket.send(
                        Array(
                            "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
                                .utf8))
                    for byte in body.prefix(30) {
                        var poll = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
                        if Glibc.poll(&poll, 1, 400) > 0 { break }  // answered: stop sending
                        do { try socket.send([byte]) } catch { break }
                    }
                    return (try socket.readResponse().status, Date().timeIntervalSince(started))
                }
            }
        }
        let slow = [slowClient(after: 0), slowClient(after: 0.5), slowClient(after: 1.0)]
        for _ in 0..<10 {
            let fast = try await serve.client.async("POST", "/predict", body: ServeFixture.customer)
            #expect(fast.status == 200)
            try await Task.sleep(for: .milliseconds(100))
        }
        for client in slow {
            let (status, seconds) = try await client.value
            #expect(status == 408)
            #expect(seconds >= timeout - 0.05, "cut off after \(seconds) s, before its deadline")
            #expect(seconds < 10)
        }
        try await serve.stop()
    }
}
