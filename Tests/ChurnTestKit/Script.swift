import Foundation

/// Runs the repository's scripts (`scripts/demo`, `scripts/install`) and other programs, as a user would.
package enum Script {
    /// The checkout these tests were built from.
    package static var repository: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// Runs `arguments` (looked up on PATH) with `environment` added to ours (systemd's variables removed); standard output and error are
    /// returned together, in order.
    @discardableResult
    package static func run(
        _ arguments: [String], environment: [String: String] = [:], in directory: String? = nil
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // A daemon a script starts must not talk to the systemd running these tests.
        for key in ["NOTIFY_SOCKET", "JOURNAL_STREAM", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS"] {
            env[key] = nil
        }
        env.merge(environment) { $1 }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
