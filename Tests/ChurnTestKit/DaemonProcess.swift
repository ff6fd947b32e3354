import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A `churnd run` child process on a temporary root, with its standard error in `ROOT/daemon.log`.
package final class DaemonProcess: @unchecked Sendable {
    package let process = Process()
    package let root: String
    package let logPath: String

    /// The command the daemon runs under (e.g. `strace … --`), or empty.
    package let wrapper: [String]

    /// Starts `churnd run --root ROOT ARGS`. `environment` is added to a clean copy of ours (systemd
    /// variables removed, so a test run under systemd does not leak them).
    ///
    /// - Parameters:
    ///   - wrapper: a command to run the daemon under (`["strace", "-f", …, "--"]`); signals then go to the
    ///     daemon, the wrapper's child, not to the wrapper.
    ///   - logPath: where its standard error goes (default `ROOT/daemon.log`).
    package init(
        root: String, arguments: [String] = [], environment: [String: String] = [:], wrapper: [String] = [],
        logPath: String? = nil
    ) throws {
        self.root = root
        self.wrapper = wrapper
        self.logPath = logPath ?? "\(root)/daemon.log"
        _ = FileManager.default.createFile(atPath: self.logPath, contents: nil)
        if wrapper.isEmpty {
            process.executableURL = URL(fileURLWithPath: Churnd.binary)
            process.arguments = ["run", "--root", root] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = wrapper + [Churnd.binary, "run", "--root", root] + arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        var env = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "JOURNAL_STREAM", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "CHURND_ROOT"] {
            env[key] = nil
        }
        env.merge(environment) { $1 }
        // LeakSanitizer checks for leaks at exit by stopping every thread with ptrace, which fails in a process
        // strace already traces (the daemon then exits 1): a daemon under a wrapper runs without the leak check.
        if !wrapper.isEmpty, Sanitizer.active == .address {
            env["ASAN_OPTIONS"] = [env["ASAN_OPTIONS"], "detect_leaks=0"].compactMap { $0 }.joined(separator: ":")
        }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: self.logPath)
        try process.run()
    }

    deinit {
        if process.isRunning {
            if let daemon = daemonPID { kill(daemon, SIGKILL) }
            kill(process.processIdentifier, SIGKILL)
        }
    }

    package var pid: Int32 { process.processIdentifier }

    /// The daemon's own process: `pid`, or the wrapper's child (nil while the wrapper has not started it yet).
    package var daemonPID: Int32? {
        guard !wrapper.isEmpty else { return pid }
        let children = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)
        return children?.split(separator: " ").first.flatMap { Int32($0) }
    }

    package var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Sends `number` to the daemon (not to its wrapper: strace, for one, detaches on SIGTERM and leaves the
    /// daemon running).
    package func signal(_ number: Int32) {
        if let daemon = daemonPID { kill(daemon, number) }
    }

    /// Sends SIGKILL and waits for the process to be gone.
    package func killHard() {
        signal(SIGKILL)
        process.waitUntilExit()
    }

    /// Sends SIGTERM and waits up to `timeout` seconds; returns the exit status. In a sanitized build, a daemon
    /// that exits with a status other than 0 after a sanitizer report (ThreadSanitizer's is 66) has the report
    /// printed to the test's standard error: it is in the daemon's log, in a root that is gone after the test.
    @discardableResult
    package func stop(timeout: Double = 20) throws -> Int32 {
        signal(SIGTERM)
        try eventually("churnd exits after SIGTERM", timeout: timeout) { !self.process.isRunning }
        let status = process.terminationStatus
        if status != 0, Sanitizer.active != nil, let report = Self.sanitizerReport(in: log) {
            FileHandle.standardError.write(Data("churnd exited \(status) after a sanitizer report:\n\(report)\n".utf8))
        }
        return status
    }

    /// The sanitizer output in `log` (from its first report line on, at most 8,000 characters), or nil.
    static func sanitizerReport(in log: String) -> String? {
        let markers = ["WARNING: ThreadSanitizer", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer"]
        guard let start = markers.compactMap({ log.range(of: $0)?.lowerBound }).min() else { return nil }
        return String(log[start...].prefix(8_000))
    }

    /// Waits until the log says the daemon is ready.
    package func waitReady(timeout: Double = 30) throws {
        try eventually("churnd is ready\n\(log)", timeout: timeout) {
            guard self.process.isRunning else { throw WaitFailure(message: "churnd exited early:\n\(self.log)") }
            return self.log.contains(" ready ") || self.log.contains(">ready ")
        }
    }
}

package struct WaitFailure: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }

    package init(message: String) {
        self.message = message
    }
}

/// Polls `condition` every 10 ms until it holds, failing after `timeout` seconds with `what` in the message.
package func eventually(_ what: @autoclosure () -> String, timeout: Double, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        usleep(10_000)
    }
    if try condition() { return }
    throw WaitFailure(message: "timed out after \(timeout) s waiting until: \(what())")
}

/// Checks that `condition` keeps holding for `duration` seconds (polled every 10 ms), failing at the first
/// moment it does not: for asserting that something does not happen, where there is no event to wait for.
package func holds(_ what: @autoclosure () -> String, for duration: Double, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(duration)
    repeat {
        guard try condition() else { throw WaitFailure(message: "no longer true: \(what())") }
        usleep(10_000)
    } while Date() < deadline
}

/// Writes `text` to `path` atomically from the outside: a hidden temporary name, then rename (IN_MOVED_TO).
package func dropFile(_ path: String, _ text: String) throws {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).part")
    try Data(text.utf8).write(to: temporary)
    guard rename(temporary.path, path) == 0 else { throw WaitFailure(message: "rename to \(path) failed") }
}
