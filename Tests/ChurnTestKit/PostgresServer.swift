import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private PostgreSQL cluster for tests (Debian's `postgresql`, installed by `scripts/install-deps --test`):
/// `initdb` into a temporary directory, the server started on a free port of 127.0.0.1 with a socket directory
/// of its own, trust authentication for the `postgres` user, one database `mlflow`. PostgreSQL refuses to run
/// as root, so under root (CI) the cluster belongs to `nobody`. Stopped when released.
///
/// The server runs as a child of the test (not through `pg_ctl start`, whose detached server would inherit
/// the descriptors by which Foundation notices that its child ended, so that `waitUntilExit` never returned).
package final class PostgresServer: @unchecked Sendable {
    package let directory: TemporaryDirectory
    package let port: Int
    private var process: Process?

    /// SQLAlchemy's URI of the `mlflow` database, for `mlflow server --backend-store-uri`.
    package var mlflowURI: String { "postgresql://postgres@127.0.0.1:\(port)/mlflow" }

    /// Where Debian installs the server's programs (the newest major version present).
    package static var binDirectory: String? {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).compactMap { Int($0) }
        guard let newest = versions.max() else { return nil }
        let path = "\(base)/\(newest)/bin"
        return FileManager.default.isExecutableFile(atPath: "\(path)/initdb") ? path : nil
    }

    package init(timeout: Double = 60) throws {
        guard let bin = Self.binDirectory else {
            throw WaitFailure(
                message: "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run "
                    + "scripts/install-deps --test, which installs Debian's postgresql")
        }
        directory = try TemporaryDirectory("churnd-postgres")
        port = try MLflowServer.freePort()
        let data = "\(directory.path)/data"
        let sockets = "\(directory.path)/sockets"
        try FileManager.default.createDirectory(atPath: sockets, withIntermediateDirectories: true)
        if getuid() == 0 {
            // `nobody` must reach the directory (temporary directories are 0700) and own what it writes.
            chmod(directory.path, 0o755)
            guard Self.run(["/bin/chown", "-R", "nobody:nogroup", directory.path], log: "/dev/null") == 0 else {
                throw WaitFailure(message: "cannot give \(directory.path) to nobody")
            }
        }
        try check(["\(bin)/initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
        let server = Process()
        let command = asUser([
            "\(bin)/postgres", "-D", data, "-p", "\(port)", "-k", sockets, "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off",
        ])
        server.executableURL = URL(fileURLWithPath: command[0])
        server.arguments = Array(command.dropFirst())
        server.environment = Self.environment
        server.standardInput = FileHandle.nullDevice
        let log = "\(directory.path)/postgres.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        server.standardOutput = FileHandle(forWritingAtPath: log)
        server.standardError = FileHandle(forWritingAtPath: log)
        try server.run()
        process = server
        let deadline = Date().addingTimeInterval(timeout)
        while Self.run(asUser(["\(bin)/pg_isready", "-q", "-h", "127.0.0.1", "-p", "\(port)"]), log: commandLog) != 0 {
            guard server.isRunning, Date() < deadline else {
                stop()
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw WaitFailure(message: "PostgreSQL did not start within \(timeout) s: \(text.suffix(2000))")
            }
            usleep(200_000)
        }
        try check(["\(bin)/createdb", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "mlflow"])
    }

    deinit { stop() }

    /// Fast shutdown (SIGINT to the postmaster, whose pid is the first line of `postmaster.pid`), SIGKILL
    /// after 20 s.
    package func stop() {
        guard let process else { return }
        self.process = nil
        let pidFile = (try? String(contentsOfFile: "\(directory.path)/data/postmaster.pid", encoding: .utf8)) ?? ""
        if let line = pidFile.split(separator: "\n").first, let pid = Int32(line) { kill(pid, SIGINT) }
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning {
            if let line = pidFile.split(separator: "\n").first, let pid = Int32(line) { kill(pid, SIGKILL) }
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    private var commandLog: String { "\(directory.path)/commands.log" }

    private static let environment = ["PATH": "/usr/bin:/bin", "PGTZ": "UTC", "LANG": "C.UTF-8"]

    /// `command` as `nobody` when we are root.
    private func asUser(_ command: [String]) -> [String] {
        getuid() == 0 ? ["/usr/sbin/runuser", "-u", "nobody", "--"] + command : command
    }

    private func check(_ command: [String]) throws {
        let status = Self.run(asUser(command), log: commandLog)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: commandLog, encoding: .utf8)) ?? ""
            throw WaitFailure(message: "\(command.joined(separator: " ")) failed (\(status)): \(text.suffix(2000))")
        }
    }

    /// Runs a command that exits, its output appended to `log`; returns its status (-1 when it cannot start).
    private static func run(_ command: [String], log: String) -> Int32 {
        if !FileManager.default.fileExists(atPath: log) {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
        }
        let output = FileHandle(forWritingAtPath: log)
        output?.seekToEndOfFile()
        defer { try? output?.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
