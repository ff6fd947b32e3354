import ChurnCore
import ChurnStore
import ChurnTestKit
import Dispatch
import Logging
import Testing

/// The prediction log writer shared by the daemon and `churnd score`.
struct PredictionLogWriterTests {
    static func records(_ n: Int, from first: Int) -> [PredictionRecord] {
        (first..<first + n).map {
            PredictionRecord(
                requestID: "C\($0)", modelVersion: "1", file: "f.csv", prediction: 1, probability: 0.5,
                features: ["tenure_months": .number(Double($0))], timestamp: 1_790_000_000)
        }
    }

    @Test func twoWritersOnOneLogNeverInterleaveLines() throws {
        // Two writers stand for the daemon and a `churnd score` beside it (each has its own in-process lock).
        let dir = try TemporaryDirectory()
        let writers = (0..<2).map { _ in
            PredictionLogWriter(
                directory: dir.path, fileName: "p.jsonl", maxBytes: { 1 << 30 }, logger: Logger(label: "test"))
        }
        DispatchQueue.concurrentPerform(iterations: 8) { k in
            try? writers[k % 2].appendLines(Self.records(200, from: k * 1000))
        }
        let lines = try dir.read("p.jsonl").split(separator: "\n")
        #expect(lines.count == 1600)
        let ids = try Set(lines.map { try PredictionRecord.parse($0).requestID })
        #expect(ids.count == 1600)
    }

    @Test func aFullLogIsRotatedBeforeTheAppendThatWouldPassTheLimit() throws {
        let dir = try TemporaryDirectory()
        let writer = PredictionLogWriter(
            directory: dir.path, fileName: "p.jsonl", maxBytes: { 20_000 }, logger: Logger(label: "test"))
        try writer.appendLines(Self.records(100, from: 0))
        let first = try dir.read("p.jsonl")
        #expect(first.utf8.count < 20_000)
        try writer.appendLines(Self.records(100, from: 100))
        #expect(try dir.read("p.jsonl.1") == first)
        #expect(try dir.read("p.jsonl").split(separator: "\n").count == 100)
    }
}
