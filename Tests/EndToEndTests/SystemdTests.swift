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

    /// A training run longer than the watchdog's stall limit (5 s here: twice a 2 s timeout, at least 5) keeps
    /// the pings going, because every step of the run beats the training loop's heartbeat.
    /// Not under a sanitizer: there one step (a pass over the 600,000 rows) takes longer than the stall limit
    /// (under ThreadSanitizer 22 s and 34 s gaps between beats at load 4-8, and the run outlasted 300 s at load
    /// 20; under AddressSanitizer the test timed out in a whole-suite run), so the daemon rightly stops pinging;
    /// the test before this one checks the pings under both.
    @Test(
        .disabled(
            if: Sanitizer.active != nil,
            "under a sanitizer one step of the run takes longer than the 5 s stall limit"))
    func aLongTrainingRunKeepsTheWatchdogFed() throws {
        let fixture = try DaemonFixture(model: false)
        try Churnd.run(["gen-data", "--rows", "600000", "--seed", "3", "-o", "watch/data/big.csv"], in: fixture.root)
        let socketPath = "\(fixture.root)/notify.sock"
        let socket = try NotifySocket(path: socketPath)
        let daemon = try DaemonProcess(
            root: fixture.root, environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "2000000"])
        var messages: [String] = []
        try eventually("training finished", timeout: 300) {
            messages += socket.receiveAll()
            return daemon.log.contains("training finished")
        }
        #expect(try daemon.stop() == 0)
        let log = daemon.log
        let seconds = log.split(separator: "\n").first { $0.contains("training finished") }
            .flatMap { $0.split(separator: " ").first { $0.hasPrefix("seconds=") } }
            .flatMap { Int($0.dropFirst("seconds=".count)) }
        // The run must outlast the stall limit for this test to say anything (600,000 rows take 10 s or more
        // in a debug build, even on a fast machine with nothing else running).
        #expect((seconds ?? 0) >= 6, "training took \(seconds.map(String.init) ?? "?") s: \(log)")
        #expect(!log.contains("loop stalled"), "\(log)")
        #expect(messages.count { $0 == "WATCHDOG=1" } >= 3, "\(messages)")
    }

    @Test func journaldLinesCarryPriorities() throws {
        let fixture = try DaemonFixture()
        let daemon = try DaemonProcess(root: fixture.root, environment: ["JOURNAL_STREAM": "8:1234"])
        try eventually("ready", timeout: 20) { daemon.log.contains("<6>ready") }
        #expect(try daemon.stop() == 0)
        #expect(daemon.log.split(separator: "\n").allSatisfy { $0.hasPrefix("<") })
    }

    /// `scripts/install` staged under a root that also holds what the OS provides (systemd's `sysinit.target`,
    /// `kill`), so `systemd-analyze verify --root` checks the unit exactly as installed, with the installed
    /// binary at the path its ExecStart names.
    @Test(arguments: ["/usr/local", "/opt/churnd"])
    func theInstalledUnitPassesVerifyAndScoresAtMostOnePointFive(prefix: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else {
            Issue.record("systemd-analyze is missing: scripts/install-deps installs the systemd package")
            return
        }
        let stage = try TemporaryDirectory("churnd-stage")
        let install = try Script.run(
            ["\(Script.repository)/scripts/install"],
            environment: ["DESTDIR": stage.path, "PREFIX": prefix, "CHURND_BIN": Churnd.binary])
        #expect(install.status == 0, "\(install.output)")
        let unit = try stage.read("etc/systemd/system/churnd.service")
        #expect(
            unit.contains("ExecStart=\(prefix)/bin/churnd run --root /var/lib/churnd --config /etc/churnd/churnd.toml"))
        try Self.addSystemParts(to: stage)

        let verify = try Script.run(["systemd-analyze", "verify", "--root=\(stage.path)", "churnd.service"])
        #expect(verify.status == 0 && verify.output.isEmpty, "\(verify.output)")
        // The check is real: without the installed binary, verify fails and names it.
        try FileManager.default.removeItem(atPath: "\(stage.path)\(prefix)/bin/churnd")
        let missing = try Script.run(["systemd-analyze", "verify", "--root=\(stage.path)", "churnd.service"])
        #expect(missing.status != 0 && missing.output.contains("\(prefix)/bin/churnd is not executable"))

        let security = try Script.run(
            ["systemd-analyze", "security", "--offline=true", "--root=\(stage.path)", "churnd.service"])
        let line = try #require(security.output.split(separator: "\n").last { $0.contains("Overall exposure level") })
        let score = try #require(line.split(separator: " ").compactMap { Double($0) }.first)
        #expect(score <= 1.5, "\(line)")
        for key in ["Type=notify", "WatchdogSec=", "Restart=on-failure", "User=churnd", "StateDirectory=churnd"] {
            #expect(unit.contains(key))
        }
        // Serving needs IP sockets reachable from the host, from localhost only by default.
        let lines = Set(unit.split(separator: "\n").map(String.init))
        #expect(lines.contains("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"))
        #expect(lines.contains("IPAddressAllow=localhost") && lines.contains("IPAddressDeny=any"))
        #expect(!lines.contains("PrivateNetwork=yes"))

        // The documented drop-in for other addresses keeps the score within bounds.
        try FileManager.default.createDirectory(
            atPath: "\(stage.path)/etc/systemd/system/churnd.service.d", withIntermediateDirectories: true)
        try stage.write("etc/systemd/system/churnd.service.d/network.conf", "[Service]\nIPAddressAllow=10.0.0.0/8\n")
        let widened = try Script.run(
            ["systemd-analyze", "security", "--offline=true", "--root=\(stage.path)", "churnd.service"])
        let widenedLine = try #require(
            widened.output.split(separator: "\n").last { $0.contains("Overall exposure level") })
        let widenedScore = try #require(widenedLine.split(separator: " ").compactMap { Double($0) }.first)
        #expect(widenedScore <= 1.5, "\(widenedLine)")
    }

    /// What a Debian system has and the unit relies on: `sysinit.target` (every service's default dependency)
    /// and `/bin/kill` (ExecReload), copied from this machine.
    static func addSystemParts(to stage: TemporaryDirectory) throws {
        let files = FileManager.default
        try files.createDirectory(atPath: "\(stage.path)/usr/lib/systemd/system", withIntermediateDirectories: true)
        try files.copyItem(
            atPath: "/usr/lib/systemd/system/sysinit.target",
            toPath: "\(stage.path)/usr/lib/systemd/system/sysinit.target")
        try files.createDirectory(atPath: "\(stage.path)/bin", withIntermediateDirectories: true)
        try files.copyItem(
            atPath: URL(fileURLWithPath: "/bin/kill").resolvingSymlinksInPath().path,
            toPath: "\(stage.path)/bin/kill")
    }

    @Test func installStagesBinaryUnitConfigAndUser() throws {
        let stage = try TemporaryDirectory()
        let result = try Script.run(
            ["\(Script.repository)/scripts/install"], environment: ["DESTDIR": stage.path, "CHURND_BIN": Churnd.binary])
        #expect(result.status == 0, "\(result.output)")
        for path in [
            "usr/local/bin/churnd", "etc/systemd/system/churnd.service", "etc/churnd/churnd.toml",
            "usr/lib/sysusers.d/churnd.conf", "usr/local/share/doc/churnd/README.md",
        ] {
            #expect(stage.exists(path), "\(path) missing")
        }
    }

    @Test func uninstallRemovesTheProgramAndKeepsTheDataUnlessPurged() throws {
        let stage = try TemporaryDirectory()
        let environment = ["DESTDIR": stage.path, "CHURND_BIN": Churnd.binary]
        let script = "\(Script.repository)/scripts/install"
        #expect(try Script.run([script], environment: environment).status == 0)
        try stage.write("etc/churnd/churnd.toml", "# edited by the operator\n")
        try stage.write("var/lib/churnd/state/registry.sqlite", "data")

        let uninstall = try Script.run([script, "--uninstall"], environment: environment)
        #expect(uninstall.status == 0, "\(uninstall.output)")
        #expect(uninstall.output.contains("kept its configuration in /etc/churnd and its data in /var/lib/churnd"))
        for path in [
            "usr/local/bin/churnd", "etc/systemd/system/churnd.service", "usr/lib/sysusers.d/churnd.conf",
            "usr/local/share/doc/churnd",
        ] {
            #expect(!stage.exists(path), "\(path) left behind")
        }
        #expect(try stage.read("etc/churnd/churnd.toml") == "# edited by the operator\n")
        #expect(stage.exists("var/lib/churnd/state/registry.sqlite"))

        // Installing again keeps the operator's configuration.
        #expect(try Script.run([script], environment: environment).status == 0)
        #expect(try stage.read("etc/churnd/churnd.toml") == "# edited by the operator\n")

        let purge = try Script.run([script, "--uninstall", "--purge"], environment: environment)
        #expect(purge.status == 0, "\(purge.output)")
        #expect(!stage.exists("etc/churnd") && !stage.exists("var/lib/churnd") && !stage.exists("usr/local/bin/churnd"))

        let usage = try Script.run([script, "--purge"], environment: environment)
        #expect(usage.status == 2 && usage.output.contains("--purge goes with --uninstall"), "\(usage.output)")
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
