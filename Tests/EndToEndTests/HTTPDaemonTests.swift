import ChurnCore
import ChurnTestKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP side of a spawned `churnd run` (and `churnd serve`): free ports, alias moves by the CLI while
/// requests stream, SIGTERM under load, many connections, and schemathesis against openapi.yaml.
@Suite(.serialized)
struct HTTPDaemonTests {
    /// The port a daemon logged as `http listening address=127.0.0.1:PORT`.
    static func port(_ log: @autoclosure () -> String, running: () -> Bool = { true }) throws -> Int {
        var port: Int?
        try eventually("the daemon logs its HTTP address\n\(log())", timeout: 30) {
            guard running() else { throw WaitFailure(message: "churnd exited:\n\(log())") }
            let line = log().split(separator: "\n").first { $0.contains("http listening") }
            guard let line, let range = line.range(of: "address=") else { return false }
            let address = line[range.upperBound...].prefix { !$0.isWhitespace }
            port = address.split(separator: ":").last.flatMap { Int($0) }
            return port != nil
        }
        return port ?? 0
    }

    static let customer =
        #"{"tenure_months": 6, "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": "basic", "region": "AF"}"#

    /// A root with v1 serving and v2 registered (trained on the same data: kept, not promoted).
    static func twoVersions(config: String = "") throws -> DaemonFixture {
        let fixture = try DaemonFixture(config: config)
        let again = try Churnd.run(["train", "--data", "model-data.csv", "--force"], in: fixture.root)
        guard again.status == 0 else { throw WaitFailure(message: "second training failed: \(again.stderr)") }
        return fixture
    }

    @Test func aPromoteByTheCLIWhileRequestsStreamFailsNoRequest() throws {
        let fixture = try Self.twoVersions()
        let daemon = try fixture.start()
        let client = HTTPClient(port: try Self.port(daemon.log))
        // The daemon is ready before its HTTP side has loaded the production model (/ready says 503 until then,
        // and under ThreadSanitizer the first /predict was answered 503): the requests start once it has.
        try eventually("/ready says 200\n\(daemon.log)", timeout: 30) {
            (try? client.request("GET", "/ready").status) == 200
        }
        let versions = Shared<[(Double, Int, String)]>([])
        let stop = Shared(false)
        let threads = (0..<4).map { _ in
            Thread {
                while !stop.value {
                    let started = Date().timeIntervalSince1970
                    let response = try? client.request("POST", "/predict", body: Self.customer)
                    versions.update {
                        $0.append((started, response?.status ?? -1, response?.json["model_version"] as? String ?? "?"))
                    }
                }
            }
        }
        threads.forEach { $0.start() }
        usleep(700_000)
        let promote = try Churnd.run(["promote", "2"], in: fixture.root)
        #expect(promote.status == 0, "\(promote.stderr)")
        let promotedAt = Date().timeIntervalSince1970
        usleep(1_800_000)
        stop.value = true
        usleep(300_000)
        let seen = versions.value
        #expect(seen.count > 20)
        #expect(seen.allSatisfy { $0.1 == 200 }, "\(seen.filter { $0.1 != 200 }.prefix(5))")
        #expect(seen.allSatisfy { $0.2 == "1" || $0.2 == "2" })
        #expect(seen.contains { $0.2 == "1" } && seen.contains { $0.2 == "2" })
        // Within a second of the move, every request started is scored by v2.
        #expect(seen.filter { $0.0 > promotedAt + 1 }.allSatisfy { $0.2 == "2" })
        #expect(try daemon.stop() == 0)
    }

    @Test func sigtermUnderLoadAnswersWhatItAcceptedLogsItAndExits0() throws {
        let fixture = try DaemonFixture()
        let daemon = try fixture.start()
        let client = HTTPClient(port: try Self.port(daemon.log))
        let answered = Shared<[String]>([])
        let failures = Shared<[Int]>([])
        let stop = Shared(false)
        let threads = (0..<6).map { _ in
            Thread {
                while !stop.value {
                    do {
                        let response = try client.request("POST", "/predict", body: Self.customer)
                        if response.status == 200, let id = response.json["request_id"] as? String {
                            answered.update { $0.append(id) }
                        } else {
                            failures.update { $0.append(response.status) }
                        }
                    } catch {
                        usleep(5_000)  // refused or reset once the server stops accepting: expected
                    }
                }
            }
        }
        threads.forEach { $0.start() }
        try eventually("requests are answered", timeout: 10) { answered.value.count > 50 }
        daemon.signal(SIGTERM)
        try eventually("churnd exits after SIGTERM\n\(daemon.log)", timeout: 30) { !daemon.process.isRunning }
        stop.value = true
        usleep(200_000)
        #expect(daemon.process.terminationStatus == 0, "\(daemon.log)")
        #expect(failures.value.isEmpty, "non-200 answers: \(failures.value.prefix(5))")
        // Every answered request is in the prediction log: nothing acknowledged was lost.
        let log = try fixture.dir.read("watch/logs/churnd-predictions.jsonl")
        let logged = Set(log.split(separator: "\n").compactMap { try? PredictionRecord.parse($0).requestID })
        let ids = answered.value
        #expect(ids.count > 50)
        #expect(ids.filter { !logged.contains($0) }.isEmpty)
    }

    /// 10,000 connections opened at once against `max_connections = 300`: the server holds 300, the kernel's
    /// accept queue holds what it can, the rest wait in SYN retries or are refused; never a crash. Requests on
    /// held connections are answered meanwhile, a connection that waited in the queue is answered once the
    /// others close, and the server answers new connections afterwards. The test raises its soft descriptor
    /// limit (and, as root, the hard one) to hold 10,000 sockets; the daemon inherits it.
    @Test func tenThousandConnectionsAreQueuedOrRefusedAndTheServerLives() throws {
        let connections = 10_000
        let needed = rlim_t(connections + 500)
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_max < needed {
            var raised = rlimit(rlim_cur: needed, rlim_max: needed)  // allowed with CAP_SYS_RESOURCE (root)
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        if limit.rlim_cur < needed {
            limit.rlim_cur = min(needed, limit.rlim_max)
            setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        try #require(
            limit.rlim_cur >= needed,
            "10,000 connections need \(needed) descriptors; the hard RLIMIT_NOFILE is \(limit.rlim_max) (ulimit -Hn)")
        let fixture = try DaemonFixture(config: "[http]\nlisten = \"127.0.0.1:0\"\nmax_connections = 300\n")
        let daemon = try fixture.start()
        let port = try Self.port(daemon.log)
        let opened = try Socket.connectMany(host: "127.0.0.1", port: port, count: connections, within: 5, timeout: 30)
        var sockets = opened.connected
        let (refused, pending) = (opened.refused, opened.pending)
        #expect(sockets.count + refused + pending == connections)
        #expect(sockets.count >= 300, "connected \(sockets.count), refused \(refused), still waiting \(pending)")
        #expect(daemon.process.isRunning)
        // Requests on held connections are answered while the rest wait.
        let request = Array("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        for socket in sockets.prefix(100) { try? socket.send(request) }
        let answered = sockets.prefix(100).filter { (try? $0.readResponse().status) == 200 }.count
        #expect(answered == 100)
        // The last connections to get in waited in the accept queue: they are served once the others close,
        // after the server has accepted and closed the thousands queued before them (tens of seconds in a
        // sanitized build), so all of them wait for one deadline rather than for a timeout each.
        let queued = Array(sockets.suffix(20))
        sockets.dropLast(20).forEach { $0.close() }
        sockets.removeAll()
        for socket in queued { try? socket.send(request) }
        let closed = Date()
        let deadline = closed.addingTimeInterval(120)
        var served = 0
        var outcomes: [String] = []
        for socket in queued {
            var wait = timeval(tv_sec: max(1, Int(deadline.timeIntervalSinceNow)), tv_usec: 0)
            setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            let outcome: String
            do {
                let status = try socket.readResponse().status
                if status == 200 { served += 1 }
                outcome = "\(status)"
            } catch {
                outcome = "\(error)"
            }
            outcomes.append("\(outcome) after \(Int(Date().timeIntervalSince(closed))) s")
        }
        queued.forEach { $0.close() }
        #expect(served == queued.count, "\(outcomes)")
        try eventually("served again once the connections are gone", timeout: 20) {
            (try? HTTPClient(port: port).request("GET", "/health", timeout: 2).status) == 200
        }
        #expect(daemon.process.isRunning)
        #expect(try daemon.stop() == 0, "\(daemon.log)")
    }

    @Test func churndServeServesAloneAndStopsCleanly() throws {
        let fixture = try DaemonFixture()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Churnd.binary)
        process.arguments = ["serve", "--root", fixture.root, "--listen", "127.0.0.1:0"]
        let logPath = "\(fixture.root)/serve.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let log = { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
        let client = HTTPClient(port: try Self.port(log(), running: { process.isRunning }))
        // The port is logged before the production model is loaded: /ready says 503 until it is.
        try eventually("churnd serve is ready\n\(log())", timeout: 30) {
            (try? client.request("GET", "/ready").status) == 200
        }
        let response = try client.request("POST", "/predict", body: Self.customer)
        #expect(response.status == 200)
        #expect(response.json["model_version"] as? String == "1")
        // No watching: a file dropped into the inbox stays there.
        try fixture.dir.write("inbox/a.csv", try DaemonFixture.unlabeled(rows: 5))
        usleep(1_500_000)
        #expect(fixture.dir.exists("inbox/a.csv"))
        kill(process.processIdentifier, SIGTERM)
        try eventually("churnd serve exits", timeout: 20) { !process.isRunning }
        #expect(process.terminationStatus == 0, "\(log())")
        let lines = try fixture.dir.read("watch/logs/churnd-predictions.jsonl").split(separator: "\n")
        #expect(lines.count == 1)
        #expect(try PredictionRecord.parse(lines[0]).requestID == response.json["request_id"] as? String)
    }

    @Test func aTakenPortIsLoggedAndFilesAreStillScored() throws {
        // Hold a port, then ask the daemon for it.
        let holder = try HTTPListener()
        let fixture = try DaemonFixture(config: "[http]\nlisten = \"127.0.0.1:\(holder.port)\"\n")
        let daemon = try fixture.start()
        try eventually("the daemon says it cannot listen\n\(daemon.log)", timeout: 20) {
            daemon.log.contains("http cannot listen")
        }
        try dropFile("\(fixture.root)/inbox/a.csv", try DaemonFixture.unlabeled(rows: 10))
        try eventually("the file is scored", timeout: 20) { fixture.scored().count == 1 }
        #expect(try daemon.stop() == 0)
    }

    /// schemathesis (PyPI, installed into .venv-test/ by scripts/install-deps) generates requests from
    /// openapi.yaml: no answer may be a 5xx or break the document.
    @Test func schemathesisFindsNoServerErrorAndNoAnswerOutsideTheSpec() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let tool = "\(repository)/.venv-test/bin/schemathesis"
        #expect(
            FileManager.default.isExecutableFile(atPath: tool),
            "run scripts/install-deps: it installs schemathesis into .venv-test/")
        guard FileManager.default.isExecutableFile(atPath: tool) else { return }
        // The bounds and normalisation `churnd init` writes, which openapi.yaml describes.
        let fixture = try Self.twoVersions(
            config:
                "[schema.bounds]\ntenure_months = [0, 200]\nnum_complaints = [0, 50]\navg_session_minutes = [0, 500]\n"
                + "[schema.normalize]\nplan_type = \"lower\"\nregion = \"upper\"\n")
        let daemon = try fixture.start()
        let port = try Self.port(daemon.log)
        let run = Process()
        run.executableURL = URL(fileURLWithPath: tool)
        run.currentDirectoryURL = URL(fileURLWithPath: fixture.root)  // its .schemathesis/ cache goes there
        run.arguments = [
            "run", "\(repository)/openapi.yaml", "--url", "http://127.0.0.1:\(port)",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--phases", "examples,coverage,fuzzing", "--max-examples", "25", "--seed", "1", "--no-color",
            "--request-timeout", "20",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["SCHEMATHESIS_HOOKS"] = nil
        run.environment = environment
        let output = Pipe()
        run.standardOutput = output
        run.standardError = output
        try run.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        #expect(run.terminationStatus == 0, "\(text)")
        #expect(daemon.process.isRunning)
        #expect(try daemon.stop() == 0)
    }
}

/// A value several threads read and change.
final class Shared<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    func update(_ change: (inout Value) -> Void) {
        lock.withLock { change(&stored) }
    }
}

/// A listening socket on a free port, to take a port away from the daemon.
final class HTTPListener {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw WaitFailure(message: "cannot listen: errno \(errno)") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}
