import ChurnTestKit
import Foundation
import Testing

/// The daemon applies `[retention]` when it starts (and hourly after), on a real root.
@Suite(.serialized)
struct RetentionDaemonTests {
    /// An archived input's name as the daemon gives it: the claim time in hex nanoseconds, a dot, the name.
    static func archived(_ name: String, daysAgo: Double) -> String {
        let nanoseconds = UInt64((Date().timeIntervalSince1970 - daysAgo * 86_400) * 1e9)
        let hex = String(nanoseconds, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + "." + name
    }

    @Test func theDaemonPrunesOldArchivedInputsAndSurplusReportsAtStart() throws {
        let fixture = try DaemonFixture(
            model: false, config: "[retention]\narchive_days = 7\nreports_keep = 2\n")
        let old = Self.archived("march.csv", daysAgo: 8)
        let recent = Self.archived("yesterday.csv", daysAgo: 1)
        try fixture.dir.write("state/archive/\(old)", "customer_id\n1\n")
        try fixture.dir.write("state/archive/\(recent)", "customer_id\n2\n")
        let reports = (1...4).map { "drift-2026120\($0)T000000.000Z.json" }
        for name in reports { try fixture.dir.write("state/reports/\(name)", "{}") }

        let daemon = try fixture.start()
        try eventually("the old input and the two oldest reports are pruned", timeout: 20) {
            try fixture.dir.list("state/archive") == [recent]
                && fixture.dir.list("state/reports") == [
                    reports[2], reports[3],
                ]
        }
        #expect(try daemon.stop() == 0)
        #expect(daemon.log.contains("pruned state"), "\(daemon.log)")
    }
}
