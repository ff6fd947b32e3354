import ChurnTestKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The systemd side: the notify protocol on a real datagram socket, and the unit file's checks.
@Suite(.serialized)
struct SystemdTests {
    @Test func notifiesReadyThenWatchdogPingsThenStopping() throws {
        let fixture = try DaemonFixture()
        let socketPath = "\(fixture.root)/notify.sock"
        let socket = try NotifySocket(path: socketPath)
        let daemon = try DaemonProcess(
            root: fixture.root, environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "1000000"])
        var messages: [String] = []
        try eventually("READY=1 and three watchdog pings", timeout: 20) {
            messages += socket.receiveAll()
            return messages.contains("READY=1") && messages.count { $0 == "WATCHDOG=1" } >= 3
        }
        try dropFile("\(fixture.root)/inbox/a.csv", try DaemonFixture.unlabeled(rows: 10))
        try eventually("scored", timeout: 10) { fixture.scored().count == 1 }
        daemon.signal(SIGTERM)
        try eventually("STOPPING=1", timeout: 20) {
            messages += socket.receiveAll()
            return messages.contains("STOPPING=1")
        }
        try eventually("exit", timeout: 20) { !daemon.process.isRunning }
        #expect(daemon.process.terminationStatus == 0)

        let ready = try #require(messages.firstIndex(of: "READY=1"))
        let firstPing = try #require(messages.firstIndex(of: "WATCHDOG=1"))
        let stopping = try #require(messages.firstIndex(of: "STOPPING=1"))
        let lastPing = try #require(messages.lastIndex(of: "WATCHDOG=1"))
        #expect(ready < firstPing && lastPing < stopping, "order: \(messages)")
        #expect(messages.contains { $0.hasPrefix("STATUS=serving v1 · ") }, "\(messages)")
        // The fixture's model was trained by `churnd train` before the daemon started: the registry knows it.
        #expect(messages.contains { $0.hasPrefix("STATUS=") && $0.hasSuffix(" promoted v1") }, "\(messages)")
    }

    @Test func journaldLinesCarryPriorities() throws {
        let fixture = try DaemonFixture()
        let daemon = try DaemonProcess(root: fixture.root, environment: ["JOURNAL_STREAM": "8:1234"])
        try eventually("ready", timeout: 20) { daemon.log.contains("<6>ready") }
        #expect(try daemon.stop() == 0)
        #expect(daemon.log.split(separator: "\n").allSatisfy { $0.hasPrefix("<") })
    }

    @Test func theUnitPassesVerifyAndScoresAtMostOnePointFive() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else {
            Issue.record("systemd-analyze is missing: scripts/install-deps installs the systemd package")
            return
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let dir = try TemporaryDirectory()
        let unit = try String(contentsOfFile: "\(repo)/systemd/churnd.service", encoding: .utf8)
        // verify insists that ExecStart exists: point it at the built binary.
        try dir.write("churnd.service", unit.replacingOccurrences(of: "/usr/local/bin/churnd", with: Churnd.binary))
        let verify = try shell(["systemd-analyze", "verify", "\(dir.path)/churnd.service"])
        #expect(verify.status == 0, "\(verify.output)")
        let security = try shell(["systemd-analyze", "security", "--offline=true", "\(dir.path)/churnd.service"])
        let line = try #require(security.output.split(separator: "\n").last { $0.contains("Overall exposure level") })
        let score = try #require(line.split(separator: " ").compactMap { Double($0) }.first)
        #expect(score <= 1.5, "\(line)")
        for key in ["Type=notify", "WatchdogSec=", "Restart=on-failure", "User=churnd", "StateDirectory=churnd"] {
            #expect(unit.contains(key))
        }
    }

    @Test func installStagesBinaryUnitConfigAndUser() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let stage = try TemporaryDirectory()
        let result = try shell(
            ["env", "DESTDIR=\(stage.path)", "CHURND_BIN=\(Churnd.binary)", "\(repo)/scripts/install"])
        #expect(result.status == 0, "\(result.output)")
        for path in [
            "usr/local/bin/churnd", "etc/systemd/system/churnd.service", "etc/churnd/churnd.toml",
            "usr/lib/sysusers.d/churnd.conf",
        ] {
            #expect(stage.exists(path), "\(path) missing")
        }
    }

    private func shell(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A unix datagram socket standing in for systemd's notify socket.
final class NotifySocket {
    let fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard fd >= 0, bound == 0 else { throw WaitFailure(message: "cannot bind \(path): errno \(errno)") }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Every message waiting now, one per datagram (sd_notify sends one state per datagram here).
    func receiveAll() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            messages += String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n").map(String.init)
        }
        return messages
    }
}
