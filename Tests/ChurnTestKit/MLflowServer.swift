import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real `mlflow server` for tests, from the tests' virtual environment (`.venv-test/`, made by
/// `scripts/install-deps`): SQLite backend store and proxied artifacts (`--artifacts-destination`) in a
/// temporary directory, on a free port of 127.0.0.1. Stopped (its whole process group) when released;
/// `shared()` is one server for a whole test process, stopped at exit.
package final class MLflowServer: @unchecked Sendable {
    package let directory: TemporaryDirectory
    package let port: Int
    /// `--backend-store-uri`: SQLite in `directory` unless a test gives another (PostgreSQL).
    package let backendStoreURI: String
    private var process: Process?

    /// `http://127.0.0.1:PORT`.
    package var uri: String { "http://127.0.0.1:\(port)" }
    package var logPath: String { "\(directory.path)/mlflow.log" }

    /// `.venv-test/bin` of this checkout.
    package static var binDirectory: String { Script.repository + "/.venv-test/bin" }

    /// Fails with what to do when MLflow is not installed: these tests never pass without a real server.
    package static func requireInstalled() throws {
        for tool in ["mlflow", "python"] where !FileManager.default.isExecutableFile(atPath: "\(binDirectory)/\(tool)")
        {
            throw WaitFailure(
                message: "MLflow is not installed: \(binDirectory)/\(tool) is missing. Run scripts/install-deps, "
                    + "which installs scripts/test-requirements.txt (mlflow, xgboost-cpu) into .venv-test/")
        }
    }

    /// A server on a free port; `start: false` only reserves the port (to test churnd while MLflow is down).
    package init(start: Bool = true, backendStoreURI: String? = nil) throws {
        try Self.requireInstalled()
        directory = try TemporaryDirectory("churnd-mlflow")
        port = try Self.freePort()
        self.backendStoreURI = backendStoreURI ?? "sqlite:///\(directory.path)/mlflow.db"
        if start { try self.start() }
    }

    deinit { stop() }

    /// Starts the server (again, on the same port and store) and waits until it answers.
    package func start(timeout: Double = 180) throws {
        guard process == nil else { return }
        let process = Process()
        // Foundation starts the child in a process group of its own, which the server's workers join: they
        // are stopped together.
        process.executableURL = URL(fileURLWithPath: "\(Self.binDirectory)/mlflow")
        process.arguments = [
            "server", "--host", "127.0.0.1", "--port", "\(port)",
            "--backend-store-uri", backendStoreURI,
            "--artifacts-destination", "\(directory.path)/artifacts", "--workers", "1",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "\(Self.binDirectory):" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["MLFLOW_TRACKING_URI"] = nil
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = FileHandle(forWritingAtPath: logPath)
        log?.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if answers("/health") { return }
            if !process.isRunning {
                self.process = nil
                throw WaitFailure(message: "mlflow server exited at start: \(tail())")
            }
            usleep(200_000)
        }
        stop()
        throw WaitFailure(message: "mlflow server did not answer within \(timeout) s: \(tail())")
    }

    /// Stops the server and its workers (SIGTERM, then SIGKILL after 10 s); the store stays for `start()`.
    package func stop() {
        guard let process else { return }
        self.process = nil
        let pid = process.processIdentifier
        // The whole group when the server leads one (it does when Foundation starts it), else the server.
        let target = getpgid(pid) == pid ? -pid : pid
        // SIGTERM may be blocked in children of the test process (they inherit its signal mask): SIGKILL after.
        kill(target, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        kill(target, SIGKILL)
        process.waitUntilExit()
    }

    package var isRunning: Bool { process?.isRunning ?? false }

    /// The end of the server's log, for failure messages.
    package func tail(_ characters: Int = 2000) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return String(text.suffix(characters))
    }

    /// Runs a Python script of the repository (path relative to it) with the tests' Python, pointed at this
    /// server; standard output and error together.
    package func python(_ script: String, _ arguments: [String], in directory: String? = nil) throws -> (
        status: Int32, output: String
    ) {
        try Script.run(
            ["\(Self.binDirectory)/python", "\(Script.repository)/\(script)"] + arguments,
            environment: ["MLFLOW_TRACKING_URI": uri, "PYTHONWARNINGS": "ignore"], in: directory)
    }

    nonisolated(unsafe) private static var sharedServer: MLflowServer?
    private static let sharedLock = NSLock()

    /// One server for the whole test process (MLflow takes seconds to start): tests sharing it use their own
    /// experiment and registered model names. Stopped when the process exits.
    package static func shared() throws -> MLflowServer {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if let sharedServer { return sharedServer }
        let server = try MLflowServer()
        sharedServer = server
        // Its temporary directory goes at exit too (TemporaryDirectory's own exit handler).
        atexit { MLflowServer.sharedServer?.stop() }
        return server
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WaitFailure(message: "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw WaitFailure(message: "bind: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw WaitFailure(message: "getsockname: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// True when `GET path` on the server's port answers 200 (plain HTTP/1.0 over a socket, a second at most).
    package func answers(_ path: String) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var limit = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return false }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 12 else { return false }
        let status = String(decoding: buffer[0..<count], as: UTF8.self)
        return status.hasPrefix("HTTP/1.1 200") || status.hasPrefix("HTTP/1.0 200")
    }
}
