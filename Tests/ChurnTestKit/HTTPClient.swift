import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain HTTP/1.1 client over blocking sockets, for tests against churnd's real server: full control of
/// what is sent and when (slow clients, oversized bodies, many idle connections). Blocking: call it off the
/// cooperative pool (`HTTPClient.async`) when the server runs in the same process.
package struct HTTPClient: Sendable {
    package var host = "127.0.0.1"
    package var port: Int

    package init(port: Int, host: String = "127.0.0.1") {
        self.port = port
        self.host = host
    }

    package struct Response: Sendable {
        package var status: Int
        package var headers: [String: String]
        package var body: [UInt8]

        package init(status: Int, headers: [String: String], body: [UInt8]) {
            (self.status, self.headers, self.body) = (status, headers, body)
        }

        package var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as a JSON object (empty when it is not one).
        package var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }

        package var jsonArray: [[String: Any]] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [[String: Any]] ?? []
        }
    }

    package struct Failure: Error, CustomStringConvertible {
        package var description: String

        package init(description: String) {
            self.description = description
        }
    }

    /// One request on a new connection (`Connection: close`); the whole response.
    package func request(
        _ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:],
        timeout: Double = 30
    ) throws -> Response {
        let socket = try Socket(host: host, port: port, timeout: timeout)
        defer { socket.close() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        var fields = headers
        if let body, fields["Content-Length"] == nil { fields["Content-Length"] = String(body.utf8.count) }
        if body != nil, fields["Content-Type"] == nil { fields["Content-Type"] = "application/json" }
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        try socket.send(Array(head.utf8) + Array((body ?? "").utf8))
        return try socket.readResponse()
    }

    /// `request` on a thread of its own, so a server in this process keeps the cooperative pool.
    package func async(
        _ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:],
        timeout: Double = 30
    ) async throws -> Response {
        let client = self
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result { try client.request(method, path, body: body, headers: headers, timeout: timeout) })
            }
        }
    }

    /// Runs `body` on a thread of its own.
    package static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// A connected TCP socket with a receive timeout.
package final class Socket: @unchecked Sendable {
    package let fd: Int32

    package init(host: String, port: Int, timeout: Double = 30) throws {
        fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClient.Failure(description: "socket: errno \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw HTTPClient.Failure(description: "connect to \(host):\(port): errno \(code)")
        }
    }

    private init(descriptor: Int32) {
        fd = descriptor
    }

    /// Opens `count` connections at once (non-blocking connects, so that connections the server's accept queue
    /// cannot take yet do not hold up the others) and waits up to `within` seconds for them. Returns the ones
    /// that connected, in the order they were opened (blocking again, with `timeout` send and receive timeouts),
    /// how many were refused or reset, and how many were still waiting at the deadline (closed).
    package static func connectMany(host: String, port: Int, count: Int, within: Double, timeout: Double) throws -> (
        connected: [Socket], refused: Int, pending: Int
    ) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        enum State { case connected, pending, failed }
        var fds: [Int32] = []
        var states: [State] = []
        fds.reserveCapacity(count)
        for _ in 0..<count {
            let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else {
                let code = errno
                fds.forEach { _ = Glibc.close($0) }
                throw HTTPClient.Failure(description: "socket \(fds.count + 1) of \(count): errno \(code)")
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            fds.append(fd)
            states.append(result == 0 ? .connected : errno == EINPROGRESS ? .pending : .failed)
        }
        let deadline = Date().addingTimeInterval(within)
        while states.contains(where: { if case .pending = $0 { true } else { false } }), Date() < deadline {
            let waiting = states.indices.filter { if case .pending = states[$0] { true } else { false } }
            var polls = waiting.map { pollfd(fd: fds[$0], events: Int16(POLLOUT), revents: 0) }
            let milliseconds = Int32(max(1, min(200, deadline.timeIntervalSinceNow * 1000)))
            guard poll(&polls, nfds_t(polls.count), milliseconds) >= 0 || errno == EINTR else { break }
            for (slot, index) in waiting.enumerated() where polls[slot].revents != 0 {
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fds[index], SOL_SOCKET, SO_ERROR, &error, &length)
                states[index] = error == 0 ? .connected : .failed
            }
        }
        var connected: [Socket] = []
        var refused = 0
        var pending = 0
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        for (fd, state) in zip(fds, states) {
            switch state {
            case .connected:
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                connected.append(Socket(descriptor: fd))
            case .pending:
                pending += 1
                Glibc.close(fd)
            case .failed:
                refused += 1
                Glibc.close(fd)
            }
        }
        return (connected, refused, pending)
    }

    package func close() { Glibc.close(fd) }

    package func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HTTPClient.Failure(description: "send: errno \(errno)") }
            offset += n
        }
    }

    /// Reads until the peer closes, or `limit` bytes; nil on a receive timeout with nothing read.
    package func receiveAll(limit: Int = 64 << 20) throws -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while data.count < limit {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                data += buffer[0..<n]
            } else if n == 0 {
                break
            } else {
                if errno == EINTR { continue }
                if data.isEmpty { throw HTTPClient.Failure(description: "recv: errno \(errno)") }
                break
            }
        }
        return data
    }

    /// Reads one response, assuming the server closes after it or sends Content-Length.
    package func readResponse() throws -> HTTPClient.Response {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var headerEnd: Int?
        var expected: Int?
        while true {
            if let end = headerEnd, let expected, data.count >= end + expected { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                data += buffer[0..<n]
            } else if n == 0 {
                break
            } else {
                if errno == EINTR { continue }
                if data.isEmpty || headerEnd == nil { throw HTTPClient.Failure(description: "recv: errno \(errno)") }
                break
            }
            if headerEnd == nil, let range = Self.find([13, 10, 13, 10], in: data) {
                headerEnd = range + 4
                let head = String(decoding: data[0..<range], as: UTF8.self)
                for line in head.split(separator: "\r\n").dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2, parts[0].lowercased() == "content-length" {
                        expected = Int(parts[1].trimmingCharacters(in: .whitespaces))
                    }
                }
            }
        }
        guard let end = headerEnd else {
            throw HTTPClient.Failure(description: "no HTTP response head in \(data.count) bytes")
        }
        let head = String(decoding: data[0..<(end - 4)], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPClient.Failure(description: "bad status line: \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 {
                headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        var body = Array(data[end...])
        if let expected, body.count > expected { body = Array(body[0..<expected]) }
        return HTTPClient.Response(status: status, headers: headers, body: body)
    }

    package static func find(_ needle: [UInt8], in data: [UInt8]) -> Int? {
        guard data.count >= needle.count else { return nil }
        for i in 0...(data.count - needle.count) where data[i] == needle[0] {
            if Array(data[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
