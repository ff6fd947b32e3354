import ChurnCore
import ChurnStore
import ChurnTestKit
import Foundation
import Logging
import Testing

@testable import ChurnServe

/// The group writer writes what requests queued in the order they queued it, each line byte for byte what the
/// records' own writer writes: a small request's columns (written by the writer, with the scorer's shared line
/// format), a large request's lines (written by the request, and by themselves when large), and records
/// appended as such.
struct PredictionLogGroupTests {
    static let format = PredictionColumns.Format(
        numeric: ["tenure_months", "avg_session_minutes"], categorical: ["plan_type"], levels: [["basic", "pre\"mium"]])

    /// `rows` rows of columns with the shared format, ids `prefix-0`…, and the same rows as records.
    static func request(_ prefix: String, rows: Int, latency: Double) -> (PredictionColumns, [PredictionRecord]) {
        var columns = PredictionColumns(format: format, timestamp: 1_763_856_000.5 + Double(rows))
        for row in 0..<rows {
            columns.appendRow(id: "\(prefix)-\(row)", numeric: [Double(row), row % 3 == 0 ? nil : 0.25]) { _ in
                row % 4 == 3 ? .missing : row % 2 == 0 ? .level(row % 4 / 2) : .text("gold")
            }
            columns.setOutcome(
                row, version: columns.versionCode(row % 5 == 0 ? "4" : "3"), prediction: row % 2,
                probability: Double(row) / Double(rows + 1))
        }
        columns.latencyMS = latency
        return (columns, columns.records)
    }

    @Test func queuedPiecesAreWrittenInOrderAsTheirRecordsWouldBe() throws {
        let directory = try TemporaryDirectory("log-group")
        let log = PredictionLogGroup(
            writer: PredictionLogWriter(
                directory: directory.path, fileName: "predictions.jsonl", maxBytes: { 1 << 30 },
                logger: Logger(label: "test")))
        let shadow = PredictionRecord(
            requestID: "s-1", modelVersion: "4", alias: "challenger", prediction: 1, probability: 0.75,
            latencyMS: 0.5, features: ["plan_type": .text("basic")], timestamp: 1)
        let (one, oneRecords) = Self.request("one", rows: 1, latency: 0.125)
        let (few, fewRecords) = Self.request("few", rows: 5, latency: 2)
        let (many, manyRecords) = Self.request("many", rows: PredictionLogGroup.linesFrom + 3, latency: 1.5)
        let (again, againRecords) = Self.request("again", rows: 2, latency: 0.001)
        // Lines past `writtenAlone` bytes: written by themselves, between the pieces before and after them.
        let (big, bigRecords) = Self.request("big", rows: 1_000, latency: 3)
        #expect(try big.lines().count >= PredictionLogGroup.writtenAlone)
        log.append(one, then: [shadow])
        log.append([shadow])
        log.append(few)
        log.append(many, then: [shadow])
        log.append(big)
        log.append(again)
        log.append(big)
        log.flush()
        let expected =
            oneRecords + [shadow, shadow] + fewRecords + manyRecords + [shadow] + bigRecords + againRecords
            + bigRecords
        var bytes: [UInt8] = []
        var writer = ByteWriter(capacity: 64) { bytes.append(contentsOf: $0) }
        try PredictionRecord.write(expected, to: &writer)
        try writer.flush()
        let written = try String(contentsOfFile: directory.path + "/predictions.jsonl", encoding: .utf8)
        #expect(written == String(decoding: bytes, as: UTF8.self))
        #expect(log.recordsWritten == expected.count)
        // The format's texts were made once and served every request; a format made afresh writes the same.
        var fresh = PredictionColumns(
            numeric: Self.format.numericNames, categorical: Self.format.categoricalNames, levels: Self.format.levels,
            timestamp: few.timestamp)
        for record in fewRecords {
            fresh.appendRow(
                id: record.requestID,
                numeric: Self.format.numericNames.map { name in
                    if case .number(let value)? = record.features[name] { return value }
                    return nil
                }
            ) { _ in
                if case .text(let text)? = record.features["plan_type"] {
                    return PredictionColumns.category(text, among: Self.format.levels[0])
                }
                return .missing
            }
            fresh.setOutcome(
                fresh.count - 1, version: fresh.versionCode(record.modelVersion), prediction: record.prediction,
                probability: record.probability)
        }
        fresh.latencyMS = few.latencyMS
        #expect(try fresh.lines() == few.lines())
    }
}
