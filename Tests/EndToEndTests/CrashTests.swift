import ChurnTestKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `kill -9` at many points while the daemon scores a large file and a stream of small ones: after a
/// restart every input has exactly one complete output, and nothing partial is ever visible in `outbox/`.
@Suite(.serialized)
struct CrashTests {
    @Test func killNineAnywhereLeavesExactlyOneCompleteOutputPerInput() throws {
        let fixture = try DaemonFixture()
        let small = try DaemonFixture.unlabeled(rows: 20)
        let bigRows = 200_000
        let big = try DaemonFixture.unlabeled(rows: bigRows, seed: 5)
        try fixture.dir.write("inbox/big.csv", big)
        var dropped = 0
        var generator = SystemRandomNumberGenerator()

        for round in 0..<12 {
            let daemon = try DaemonProcess(root: fixture.root)
            // Fault injection, not waiting: kill at a random moment, from start-up to mid-scoring.
            let deadline = Date().addingTimeInterval(Double.random(in: 0.05...0.9, using: &generator))
            while Date() < deadline {
                try dropFile("\(fixture.root)/inbox/s\(dropped).csv", small)
                dropped += 1
                usleep(UInt32.random(in: 1_000...20_000, using: &generator))
            }
            daemon.killHard()
            try checkNothingPartial(fixture, bigRows: bigRows, round: round)
        }

        let daemon = try fixture.start()
        let inputs = ["big"] + (0..<dropped).map { "s\($0)" }
        try eventually("every input scored", timeout: 120) {
            fixture.scored().count >= inputs.count && fixture.count("state/processing") == 0
        }
        #expect(try daemon.stop() == 0)
        #expect(Set(fixture.scored()) == Set(inputs.map { "\($0).scored.csv" }), "duplicates or missing outputs")
        #expect(fixture.outbox().filter { $0.hasPrefix(".") }.isEmpty, "staged files left behind")
        #expect(try fixture.dir.list("inbox").filter { !$0.hasPrefix(".") }.isEmpty)
        #expect(fixture.count("state/archive") == inputs.count)
        try checkNothingPartial(fixture, bigRows: bigRows, round: -1)
    }

    private func checkNothingPartial(_ fixture: DaemonFixture, bigRows: Int, round: Int) throws {
        for name in fixture.outbox() where !name.hasPrefix(".") {
            let lines = try fixture.dir.read("outbox/\(name)").split(separator: "\n").count
            let expected = name.hasPrefix("big") ? bigRows + 1 : 21
            #expect(name.hasSuffix(".scored.csv"), "unexpected output \(name) after round \(round)")
            #expect(lines == expected, "partial \(name) (\(lines) lines) visible after round \(round)")
        }
    }
}
