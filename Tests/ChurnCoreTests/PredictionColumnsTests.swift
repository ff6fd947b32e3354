import ChurnTestKit
import Foundation
import Testing

@testable import ChurnCore

/// A request's log lines kept column by column (`PredictionColumns`) are written byte for byte as the records'
/// own writer (`PredictionRecord.write`) writes the same records, and a scorer keeps in them what its sample keeps.
struct PredictionColumnsTests {
    static let numeric = ["tenure_months", "num_complaints", "avg_session_minutes"]
    static let categorical = ["plan_type", "region"]
    static let levels = [["basic", "premium", "b\u{E9}sic"], ["AF", "EU", "N\"A"]]

    static func bytes(_ records: [PredictionRecord]) throws -> String {
        var bytes: [UInt8] = []
        var writer = ByteWriter(capacity: 64) { bytes.append(contentsOf: $0) }
        try PredictionRecord.write(records, to: &writer)
        try writer.flush()
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Rows of every kind a line can hold, each written as a record (a dictionary of features, as `keep` builds
    /// it) and as a row of columns; the two texts must be the same, line for line.
    static let batches: [(alias: String?, file: String?, latency: Double?)] = [
        (nil, nil, 1.25), ("challenger", "drop 1.csv", nil), (nil, "a\"b\\c\u{1}.csv", 0.0004),
    ]

    @Test(arguments: batches)
    func columnsWriteEveryRecordsLineByteForByte(alias: String?, file: String?, latency: Double?) throws {
        var random = RandomSource(seed: 7)
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        let ids = ["C1", "C\"2", "C\\3", "C\n4", "\u{7}", "Ω-5", "e\u{301}", "", "a-rather-long-customer-identifier"]
        let numbers: [Double?] = [nil, 0, -0.0, 12, -1, 12.5, 0.1, 1e15, -3e16, 123_456.789, 1.0 / 3, 1e-7]
        let texts: [String?] = [nil, "basic", "premium", "b\u{E9}sic", "be\u{301}sic", "gold", "", " basic", "N\"A"]
        let versions = ["3", "4", "v\"5"]
        var columns = PredictionColumns(
            numeric: Self.numeric, categorical: Self.categorical, levels: Self.levels, timestamp: 1_763_856_000.1234,
            alias: alias, file: file)
        columns.latencyMS = latency
        var records: [PredictionRecord] = []
        for row in 0..<2_000 {
            let id = pick(ids) + String(row % 3)
            let values = Self.numeric.map { _ in pick(numbers) }
            let categories = Self.categorical.map { _ in pick(texts) }
            let version = pick(versions)
            let probability = Double(random.next() % 1_000_001) / 1_000_000 + (row % 5 == 0 ? 1e-9 : 0)
            let prediction = Int(random.next() % 2)
            var features: [String: PredictionRecord.Value] = [:]
            for (k, name) in Self.numeric.enumerated() { features[name] = values[k].map { .number($0) } ?? .missing }
            for (k, name) in Self.categorical.enumerated() {
                features[name] = categories[k].map { .text($0) } ?? .missing
            }
            records.append(
                PredictionRecord(
                    requestID: id, modelVersion: version, alias: alias, file: file, prediction: prediction,
                    probability: probability, latencyMS: latency, features: features,
                    timestamp: 1_763_856_000.1234))
            // Half the ids from bytes, half from Strings; known levels by index (a hint, sometimes wrong), others
            // as text.
            let category = { (k: Int) in
                PredictionColumns.category(
                    categories[k], level: row % 2 == 0 ? -1 : row % 3, among: Self.levels[k])
            }
            if row % 2 == 0 {
                var text = id
                text.withUTF8 { columns.appendRow(id: $0, numeric: values, category: category) }
            } else {
                columns.appendRow(id: id, numeric: values, category: category)
            }
            columns.setOutcome(
                columns.count - 1, version: columns.versionCode(version), prediction: prediction,
                probability: probability)
        }
        let expected = try Self.bytes(records)
        let written = String(decoding: try columns.lines(), as: UTF8.self)
        #expect(written == expected)
        #expect(written.split(separator: "\n").count == 2_000)
        #expect(columns.records == records)
        // The tricky values did occur.
        #expect(expected.contains(#""request_id":"C\n4"#))
        #expect(expected.contains("-3e+16") && expected.contains(#"\u0007"#))
        #expect(expected.contains(#""plan_type":"gold""#) && expected.contains(#""region":null"#))
    }

    /// Invalid UTF-8 in an id is logged as `String(decoding:as:)` reads it, as the record's id would be.
    @Test func anInvalidUTF8IDIsLoggedAsItsStringReadsIt() throws {
        var columns = PredictionColumns(numeric: [], categorical: [], levels: [], timestamp: 1)
        let id: [UInt8] = [0x43, 0xC3, 0x28, 0x22]
        id.withUnsafeBufferPointer { columns.appendRow(id: $0, numeric: []) { _ in .missing } }
        columns.setOutcome(0, version: columns.versionCode("1"), prediction: 1, probability: 0.5)
        let record = PredictionRecord(
            requestID: String(decoding: id, as: UTF8.self), modelVersion: "1", prediction: 1, probability: 0.5,
            features: [:], timestamp: 1)
        #expect(String(decoding: try columns.lines(), as: UTF8.self) == (try Self.bytes([record])))
    }

    /// What the scorer keeps in columns for every scored row is what its sample keeps as records (a sample as
    /// large as the file keeps every row, in order), on the fast path and the general path, clean and dirty rows.
    @Test(arguments: [false, true], [false, true])
    func aScorersColumnsHoldWhatItsSampleRecords(normalized: Bool, generalPath: Bool) throws {
        let models = try ScorerInputCheckTests.models.get()
        var scorer = Scorer(
            artifact: normalized ? models.normalized : models.plain, versionLabel: "12", bounds: Schema.labBounds)
        scorer.linearFastPath = !generalPath
        var unlabeled = Generator()
        unlabeled.labeled = false
        let generated = String(decoding: try generate(unlabeled, rows: 3_000, seed: 5), as: UTF8.self)
        let csv = Array(
            (generated + (generated.hasSuffix("\n") ? "" : "\n") + ScorerFastPathTests.tricky
                + "\nZ2,7,0,12,Premium ,eu\n\"Q,\"\"1\",3,1,2.5,BASIC,\n").utf8)
        func run(_ sample: inout PredictionSampler) throws -> Scorer.Summary {
            var scoredBytes: [UInt8] = [], errorBytes: [UInt8] = []
            var scored = ByteWriter(capacity: 256) { scoredBytes.append(contentsOf: $0) }
            var errors = ByteWriter(capacity: 256) { errorBytes.append(contentsOf: $0) }
            return try scorer.score(
                path: "x", source: MemorySource(csv), scored: &scored, errors: &errors, progress: nil,
                sample: &sample, timestamp: 5)
        }
        var sample = PredictionSampler(capacity: 1_000_000, seed: 1)
        let summary = try run(&sample)
        var kept = PredictionSampler(columns: scorer.logColumns(timestamp: 5))
        let keptSummary = try run(&kept)
        #expect(keptSummary == summary)
        let taken = kept.takeColumns()
        var columns = try #require(taken)
        let records = scorer.records(of: sample)
        #expect(records.count == summary.scored)
        #expect(columns.count == records.count)
        #expect(summary.scored > 3_000 && summary.rejected > 0)
        for (row, record) in records.enumerated() {
            columns.setOutcome(
                row, version: columns.versionCode(record.modelVersion), prediction: record.prediction,
                probability: record.probability)
        }
        #expect(columns.records == records)
        #expect(String(decoding: try columns.lines(), as: UTF8.self) == (try Self.bytes(records)))
        #expect(records.contains { $0.features["plan_type"] == .text("gold") })
        #expect(records.contains { $0.features["tenure_months"] == .missing })
    }

    @Test func spacesTrimmedIsTrimmingSpaces() {
        let texts = [
            "", " ", "a", " a", "a ", "\ta\t", "\ra", "a\r", "a\r\n", "\r\na", "\r\n", " \r\n ", "é ", " é",
            "e\u{301}",
            "a b", "\u{A0}a\u{A0}", "\n", "a\n", "  ", "\t", "\r",
        ]
        for text in texts {
            #expect(text.spacesTrimmed == String(text.trimmingSpaces()), "\(Array(text.utf8))")
            #expect(Array(text.spacesTrimmed.utf8) == Array(String(text.trimmingSpaces()).utf8))
        }
    }
}
