import ChurnTestKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// I/O errors under a running daemon: EIO from fsync and from write (injected by strace), a full disk under
/// `state/` (the registry's), an outbox disk that is full or read-only. Each time the inputs are kept, the error is logged once,
/// work resumes when the disk works again, nothing partial is ever visible and no acknowledged write is lost.
@Suite(.serialized)
struct IOErrorTests {
    /// The faults are injected into every thread of the process (strace counts calls per thread): the HTTP
    /// server's event loops, whose wake-ups are writes too, are left out so the faults hit the file path only.
    static let filesOnly = "[http]\nlisten = \"\"\n"

    @Test func eioFromFsyncBeforePublishingKeepsTheInputsAndScoresEachOnce() throws {
        let fixture = try DaemonFixture(config: Self.filesOnly)
        // Each thread's first two fsyncs of the outbox folder fail: the sync that makes staged outputs durable
        // before they are linked to their public names, and the archiver's before it removes staged names.
        let daemon = try DaemonProcess(
            root: fixture.root,
            wrapper: Strace.inject("fsync", "error=EIO:when=1..2", path: "\(fixture.root)/outbox"))
        try daemon.waitReady()
        let csv = try DaemonFixture.unlabeled(rows: 50)
        for name in ["a", "b", "c"] { try dropFile("\(fixture.root)/inbox/\(name).csv", csv) }
        try eventually("every file scored once fsync works\n\(daemon.log)", timeout: 60) {
            try checkComplete(fixture, rows: 50)
            return fixture.scored().count == 3
        }
        // Once per episode: strace counts per thread, so a worker that starts later fails on its own first two.
        let failures = { daemon.log.components(separatedBy: "cannot write outputs").count - 1 }
        let recoveries = { daemon.log.components(separatedBy: "can be written again").count - 1 }
        try eventually("each failure logged once, then its recovery\n\(daemon.log)", timeout: 10) {
            failures() >= 1 && failures() == recoveries()
        }
        #expect(daemon.log.contains("Input/output error"))
        #expect(try daemon.stop() == 0)

        // What the archiver could not sync is finished at the next start, without scoring anything again.
        let again = try fixture.start()
        try eventually("claims finished", timeout: 20) { fixture.count("state/processing") == 0 }
        #expect(try again.stop() == 0)
        #expect(Set(fixture.outbox()) == ["a.scored.csv", "b.scored.csv", "c.scored.csv"], "staged or extra outputs")
        #expect(fixture.count("state/archive") == 3)
        try checkComplete(fixture, rows: 50)
    }

    @Test func eioFromWriteOfAnOutputKeepsTheInputAndScoresItOnce() throws {
        let fixture = try DaemonFixture(config: Self.filesOnly)
        let csv = try DaemonFixture.unlabeled(rows: 50)
        try fixture.dir.write("inbox/a.csv", csv)
        // The first two writes of every thread fail with EIO. The daemon is started with the file already in the
        // inbox, so a worker's first write is its first output.
        let trace = try TemporaryDirectory("churnd-trace")
        // ThreadSanitizer's runtime makes the first write of the main thread itself, at start-up: a file in
        // TMPDIR that it maps as the shadow of read-only data without checking the write, so with that write
        // failed the daemon dies of SIGBUS before it starts. It skips the file when TMPDIR names no folder.
        let environment = Sanitizer.active == .thread ? ["TMPDIR": "\(trace.path)/none"] : [:]
        let daemon = try DaemonProcess(
            root: fixture.root, environment: environment,
            wrapper: Strace.inject("write", "error=EIO:when=1..2", trace: "\(trace.path)/writes.txt"))
        try eventually("scored once write works\n\(daemon.log)", timeout: 60) {
            try checkComplete(fixture, rows: 50)
            return fixture.scored() == ["a.scored.csv"] && fixture.count("state/processing") == 0
        }
        #expect(try daemon.stop() == 0)
        // The fault hit an output: a write to a staged name in the outbox failed.
        let writes = try trace.read("writes.txt").split(separator: "\n")
        #expect(writes.contains { $0.contains("/outbox/.") && $0.contains("EIO") && $0.contains("INJECTED") })
        #expect(fixture.outbox() == ["a.scored.csv"])
        #expect(fixture.count("state/archive") == 1)
    }

    @Test(.enabled(if: TmpfsMount.permitted, "mounting a tmpfs is not permitted here"))
    func aFullStateDiskLosesNoAcknowledgedRegistryWriteAndWorkResumes() throws {
        // Given a root on a small file system of its own, with two versions in its registry.
        let fixture = try DaemonFixture()
        try Churnd.run(["gen-data", "--rows", "2000", "--seed", "9", "-o", "more.csv"], in: fixture.root)
        try #require(try Churnd.run(["train", "--data", "more.csv"], in: fixture.root).status == 0)
        let disk = try TemporaryDirectory("churnd-full")
        let mount = try TmpfsMount(at: disk.path, size: "24m")
        defer { mount.unmount() }
        try #require(try Script.run(["cp", "-a", "\(fixture.root)/.", disk.path]).status == 0)
        let root = disk.path
        let csv = try DaemonFixture.unlabeled(rows: 400)
        try disk.write(".incoming/a.csv", csv)
        try disk.write(".incoming/b.csv", csv)
        // The daemon's log is kept off the full disk.
        let logs = try TemporaryDirectory("churnd-full-log")
        let daemon = try DaemonProcess(root: root, logPath: "\(logs.path)/daemon.log")
        try daemon.waitReady()
        // Predictions for the label file to join, made while there is space.
        try dropFile("\(root)/inbox/first.csv", csv)
        try eventually("first file scored and logged\n\(daemon.log)", timeout: 20) {
            let log = try? String(contentsOfFile: "\(root)/watch/logs/churnd-predictions.jsonl", encoding: .utf8)
            return Self.visible(in: "\(root)/outbox") == ["first.scored.csv"]
                && Self.visible(in: "\(root)/state/processing").isEmpty && (log?.hasSuffix("\n") ?? false)
                && (log?.split(separator: "\n").count ?? 0) >= 400  // the champion's lines, and the challenger's
        }
        let ids = csvRows(csv).dropFirst().prefix(100).map { $0[0] }
        try disk.write(".incoming/labels.csv", "customer_id,churn\n" + ids.map { "\($0),1\n" }.joined())

        // When the disk fills up.
        let filler = try Filler(path: "\(root)/filler")
        var acknowledged: [String] = []
        var refused: [(reason: String, output: String)] = []
        let longReason = String(repeating: "x", count: 100_000)
        for attempt in 0..<40 where refused.isEmpty {
            let reason = "while full \(attempt) \(longReason)"
            let result = try Churnd.run(["promote", attempt % 2 == 0 ? "2" : "1", "--reason", reason], in: root)
            if result.status == 0 {
                acknowledged.append(reason)
            } else {
                refused.append((reason, result.stderr))
            }
        }
        try #require(!refused.isEmpty, "every registry write succeeded on a full disk")
        #expect(refused[0].output.contains("No space left on device") || refused[0].output.contains("full"))
        #expect(!refused[0].output.contains(longReason), "the message repeats the reason")
        for name in ["a.csv", "b.csv"] {
            #expect(rename("\(root)/.incoming/\(name)", "\(root)/inbox/\(name)") == 0)
        }
        #expect(rename("\(root)/.incoming/labels.csv", "\(root)/watch/labels/labels.csv") == 0)
        try eventually("output error logged", timeout: 20) { daemon.log.contains("cannot write outputs") }
        usleep(2_500_000)  // retries and reconciliation scans happen meanwhile
        #expect(daemon.log.components(separatedBy: "cannot write outputs").count == 2, "logged once")
        // The label file is either kept (its registry write failed: logged once) or joined (it fitted).
        #expect(
            daemon.log.components(separatedBy: "cannot process label file").count <= 2, "logged once\n\(daemon.log)")
        #expect(
            FileManager.default.fileExists(atPath: "\(root)/watch/labels/labels.csv")
                || daemon.log.contains("labels joined"), "label file lost\n\(daemon.log)")
        #expect(Self.visible(in: "\(root)/outbox") == ["first.scored.csv"])
        #expect(Self.visible(in: "\(root)/inbox").count + Self.visible(in: "\(root)/state/processing").count == 2)

        // Then work resumes once space returns, and every acknowledged registry write is there.
        filler.remove()
        try eventually("both scored\n\(daemon.log)", timeout: 30) {
            Self.visible(in: "\(root)/outbox") == ["a.scored.csv", "b.scored.csv", "first.scored.csv"]
        }
        try eventually("labels joined\n\(daemon.log)", timeout: 30) { daemon.log.contains("labels joined") }
        #expect(daemon.log.components(separatedBy: "labels joined").count == 2, "joined once")
        #expect(try daemon.stop() == 0)
        let history = try Churnd.run(["history", "--json"], in: root)
        try #require(history.status == 0, "\(history.stderr)")
        for reason in acknowledged {
            #expect(history.stdout.contains(reason), "acknowledged write lost: \(reason.prefix(20))")
        }
        #expect(!history.stdout.contains(refused[0].reason), "a refused write was kept")
        #expect(!history.stdout.contains("while full \(acknowledged.count + 1) "))
        let models = try Churnd.run(["models"], in: root)
        #expect(models.status == 0, "\(models.stderr)")
    }

    /// How an outbox on a disk of its own stops taking outputs while the registry's disk works.
    enum OutboxFault: String, CaseIterable, Sendable {
        case readOnly, full

        /// The error text the daemon's log must name.
        var cause: String { self == .readOnly ? "Read-only file system" : "No space left on device" }
    }

    @Test(.enabled(if: TmpfsMount.permitted, "mounting a tmpfs is not permitted here"), arguments: OutboxFault.allCases)
    func anUnwritableOutboxKeepsInputsLogsOnceAndResumesWhenWritable(fault: OutboxFault) throws {
        let fixture = try DaemonFixture()
        let outbox = "\(fixture.root)/outbox"
        let mount = try TmpfsMount(at: outbox, size: "16m")
        defer { mount.unmount() }
        let daemon = try fixture.start()
        let filler = fault == .full ? try Filler(path: "\(outbox)/.filler") : nil
        if fault == .readOnly { try mount.remount("ro") }
        let csv = try DaemonFixture.unlabeled(rows: 100)
        try dropFile("\(fixture.root)/inbox/a.csv", csv)
        try dropFile("\(fixture.root)/inbox/b.csv", csv)
        try eventually("error logged", timeout: 10) { daemon.log.contains("cannot write outputs") }
        usleep(2_500_000)  // several retries happen meanwhile
        #expect(daemon.log.components(separatedBy: "cannot write outputs").count == 2, "logged once")
        #expect(daemon.log.contains(fault.cause), "\(daemon.log)")
        #expect(fixture.count("state/processing") + Self.visible(in: "\(fixture.root)/inbox").count == 2)
        #expect(fixture.outbox().filter { $0 != ".filler" }.isEmpty, "a partial output is left: \(fixture.outbox())")

        if fault == .readOnly { try mount.remount("rw") }
        filler?.remove()
        try eventually("both scored once writable", timeout: 20) { fixture.scored().count == 2 }
        try eventually("recovery logged", timeout: 10) { daemon.log.contains("outputs can be written again") }
        #expect(try daemon.stop() == 0)
        #expect(fixture.outbox() == ["a.scored.csv", "b.scored.csv"])
        try checkComplete(fixture, rows: 100)
    }

    /// The names not hidden in `folder`, sorted (tmpfs lists the newest first).
    static func visible(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Every visible output is a complete scored file of `rows` rows.
    private func checkComplete(_ fixture: DaemonFixture, rows: Int) throws {
        for name in fixture.outbox() where !name.hasPrefix(".") {
            let text = try fixture.dir.read("outbox/\(name)")
            #expect(name.hasSuffix(".scored.csv"), "unexpected output \(name)")
            #expect(text.hasSuffix("\n") && text.split(separator: "\n").count == rows + 1, "partial \(name)")
        }
    }
}

/// strace fault injection around a daemon (`DaemonProcess(wrapper:)`).
enum Strace {
    /// `strace -f` tampering with `syscall` as `tamper` says (`error=EIO:when=1..2`), only on calls that access
    /// `path` when one is given, writing the calls it sees (with the paths of their descriptors) to `trace`.
    /// strace counts calls per thread.
    static func inject(_ syscall: String, _ tamper: String, path: String? = nil, trace: String? = nil) -> [String] {
        ["strace", "-f", "-qq", "-y", "-o", trace ?? "/dev/null"] + (path.map { ["-P", $0] } ?? [])
            + ["-e", "trace=\(syscall)", "-e", "inject=\(syscall):\(tamper)", "--"]
    }
}

/// Fills the file system holding `path` with one file, until writing fails with ENOSPC.
struct Filler {
    let path: String

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw WaitFailure(message: "cannot create \(path)") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == ENOSPC { break }
            if n <= 0 { throw WaitFailure(message: "filling \(path) failed: errno \(errno)") }
        }
        // Smaller writes fill the last partial block.
        while write(fd, chunk, 1) == 1 {}
    }

    func remove() {
        unlink(path)
    }
}
