import ChurnCore
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

struct DriftReportsTests {
    func record(_ decision: String) -> DriftRecord {
        DriftRecord(
            checkedAt: 0, modelVersion: "1", decision: decision,
            lines: PredictionWindows(schema: .reference, capacity: 10).counts(version: "1", used: 0),
            report: DriftCheck().run(DriftWindow(), reference: []))
    }

    @Test func aClockThatJumpsBackDoesNotOverwriteEarlierReports() throws {
        let dir = try TemporaryDirectory()
        let reports = DriftReports(directory: dir.path)
        let noon = Date(timeIntervalSince1970: 1_795_000_000)
        try reports.write(record("first"), page: nil, at: noon)
        try reports.write(record("second"), page: nil, at: noon.addingTimeInterval(300))
        // The clock is set back five minutes: the third check lands on the first one's name.
        try reports.write(record("third"), page: nil, at: noon)
        let names = try dir.list().filter { $0.hasSuffix(".json") }
        #expect(names.count == 3)
        let decisions = try names.map { try dir.read($0) }.map { text in
            ["first", "second", "third"].first { text.contains("\"decision\" : \"\($0)\"") }
        }
        #expect(Set(decisions.compactMap { $0 }) == ["first", "second", "third"])
        #expect(try dir.list().filter { $0.hasPrefix(".") }.isEmpty)
    }
}
