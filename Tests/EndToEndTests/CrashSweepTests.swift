import ChurnTestKit
import Foundation
import Testing

/// `scripts/crash-sweep` with a small K: SIGKILL injected by strace at the first and second call of the
/// syscalls that claim, stage, publish and archive, a restart after every kill, and the script's checks (nothing
/// partial ever visible, exactly one complete output or quarantine entry per input, no temporary file left).
/// `make crash-sweep` runs the full sweep.
@Suite(.serialized)
struct CrashSweepTests {
    @Test func aShortCrashSweepFindsNoViolation() throws {
        let result = try Script.run(
            [
                "\(Script.repository)/scripts/crash-sweep", "--k", "2", "--syscalls", "rename,link,fsync",
                "--big-rows", "20000", "--stream-seconds", "0.5",
            ],
            environment: ["CHURND": Churnd.binary])
        let summary = result.output.split(separator: "\n").last { $0.hasPrefix("crash-sweep: K=") }
        let line = try #require(summary.map(String.init), "no summary line:\n\(result.output)")
        #expect(result.status == 0, "\(result.output)")
        #expect(line.contains(" violations=0 "), "\(result.output)")
        let counts = Self.counts(in: line)
        // Every round must have killed the daemon: a sweep whose faults never fire proves nothing.
        #expect(counts["kills"] == 6, "\(line)")
        #expect((counts["inputs"] ?? 0) > 6 * 6, "\(line)")
        #expect(counts["outputs"].map { $0 + (counts["quarantined"] ?? 0) } == counts["inputs"], "\(line)")
        #expect(counts["quarantined"] == 6, "one refused file per round: \(line)")
    }

    /// `name=value` pairs of the summary line.
    static func counts(in line: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for word in line.split(separator: " ") {
            let parts = word.split(separator: "=")
            if parts.count == 2, let value = Int(parts[1]) { counts[String(parts[0])] = value }
        }
        return counts
    }
}
