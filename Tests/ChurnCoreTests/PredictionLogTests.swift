import ChurnTestKit
import Foundation
import Testing

@testable import ChurnCore

struct PredictionLogTests {
    let record = PredictionRecord(
        requestID: "r\"1", modelVersion: "3", prediction: 1, probability: 0.734512, latencyMS: 1.2,
        features: [
            "tenure_months": .number(12), "num_complaints": .number(2), "avg_session_minutes": .number(35.25),
            "plan_type": .text("basic"), "region": .text("NA"),
        ], timestamp: 1_763_856_000)

    func line(_ record: PredictionRecord) throws -> String {
        var bytes: [UInt8] = []
        var writer = ByteWriter { bytes.append(contentsOf: $0) }
        try record.write(to: &writer)
        try writer.flush()
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func writtenLinesParseBackToTheSameRecord() throws {
        let text = try line(record)
        #expect(text.hasSuffix("}\n"))
        #expect(!text.dropLast().contains("\n"))
        #expect(try PredictionRecord.parse(text) == record)
    }

    @Test func oneLineIsTheReferenceFormatWithSortedFeatures() throws {
        #expect(
            try line(record)
                == #"{"request_id":"r\"1","model_version":"3","prediction":1,"probability":0.734512,"latency_ms":1.200,"#
                + #""features":{"avg_session_minutes":35.25,"num_complaints":2,"plan_type":"basic","region":"NA","#
                + #""tenure_months":12},"ts":1763856000.000}"# + "\n")
    }

    /// A batch is written line for line as each record alone, whatever features each carries: the same names, other
    /// names of the same count, fewer names, none.
    @Test func aBatchIsEveryRecordsOwnLine() throws {
        var renamed = record
        renamed.features["region"] = nil
        renamed.features["country"] = .text("Ω \u{1}")
        var fewer = record
        fewer.features = ["tenure_months": .missing]
        var none = record
        none.features = [:]
        var second = record
        second.requestID = "r2"
        second.features["avg_session_minutes"] = .number(-0.5)
        let batch = [record, second, renamed, fewer, none, record]
        var bytes: [UInt8] = []
        var writer = ByteWriter { bytes.append(contentsOf: $0) }
        try PredictionRecord.write(batch, to: &writer)
        try writer.flush()
        let expected = try batch.map { try line($0) }.joined()
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        #expect(expected.contains(#""country":"Ω \u0001","num_complaints""#))
        #expect(expected.contains(#""features":{},"#))
        for (text, original) in zip(expected.split(separator: "\n"), batch) {
            #expect(try PredictionRecord.parse(text).features == original.features)
        }
    }

    @Test func parsesTheReferenceAPIFormat() throws {
        let parsed = try PredictionRecord.parse(
            #"{"request_id": "abc", "model_version": "2", "prediction": 0, "probability": 0.31, "latency_ms": 1.2, "features": {"tenure_months": 12, "region": "EU", "plan_type": null}, "ts": 1763856000.0}"#
        )
        #expect(parsed.modelVersion == "2")
        #expect(parsed.features["tenure_months"] == .number(12))
        #expect(parsed.features["plan_type"] == .missing)
    }

    @Test(
        "bad lines are reported, not fatal",
        arguments: [
            ("not json", PredictionRecord.Problem.notJSON), ("{\"features\": {}}", .missingField("probability")),
            ("{\"probability\": \"high\", \"features\": {}}", .wrongType("probability")),
            ("{\"probability\": 0.5}", .missingField("features")),
            ("{\"probability\": 0.5, \"features\": {\"x\": [1]}}", .wrongType("features.x")),
        ])
    func badLines(text: String, problem: PredictionRecord.Problem) {
        #expect(throws: problem) { try PredictionRecord.parse(text) }
    }

    @Test func windowsKeepTheLastRecordsPerVersionAndCountSkippedLines() throws {
        var windows = PredictionWindows(schema: .reference, capacity: 3)
        for k in 0..<5 {
            var r = record
            r.probability = Double(k) / 10
            windows.ingest(line: try line(r))
        }
        var other = record
        other.modelVersion = "4"
        windows.ingest(line: try line(other))
        var incomplete = record
        incomplete.features["region"] = nil
        windows.ingest(line: try line(incomplete))
        var wrongType = record
        wrongType.features["tenure_months"] = .text("twelve")
        windows.ingest(line: try line(wrongType))
        windows.ingest(line: "garbage")
        windows.ingest(line: "   ")

        #expect(windows.count(version: "3") == 3)
        #expect(windows.count(version: "4") == 1)
        let window = windows.window(version: "3")
        #expect(window.count == 3)
        #expect(Set(window.probabilities) == [0.2, 0.3, 0.4])
        #expect(window.categorical["region"] == ["NA", "NA", "NA"])
        #expect(
            windows.skipped == [
                "missing features.region": 1, "wrong type for features.tenure_months": 1, "not JSON": 1,
            ])
    }

    /// Lines the direct reader takes must give the record Foundation's parser gives; lines it leaves (nil) go
    /// to that parser, so `parse` answers the same for every line.
    @Test(arguments: [
        #"{"request_id":"a","model_version":"3","prediction":1,"probability":0.734512,"latency_ms":1.2,"features":{"region":"NA","tenure_months":12,"x":null},"ts":1763856000.125}"#,
        #" { "request_id" : "b" , "model_version" : 7 , "probability" : 1e-3 , "features" : { "a" : -0 , "b" : -0.0 , "c" : 2.5E+2 } , "ts" : 17 } "#,
        #"{"model_version":null,"probability":1,"features":{}}"#,
        #"{"request_id":5,"model_version":"production","alias":"challenger","file":"in.csv","probability":0.5,"features":{"k":"v"},"extra":"ok"}"#,
        #"{"probability":0.25,"prediction":"1","alias":3,"file":null,"latency_ms":"x","ts":null,"features":{"n":123456789012345678}}"#,
        #"{"probability":0.3333333333333333148296,"features":{"big":1234567890123456789012,"tiny":4.9e-324}}"#,
        // Left to Foundation: escapes, booleans, nesting, repeated keys, odd numbers, fractional versions.
        #"{"request_id":"a"b","probability":0.5,"features":{}}"#,
        #"{"probability":0.5,"features":{"flag":true}}"#,
        #"{"probability":0.5,"features":{"n":{"deep":1}}}"#,
        #"{"probability":0.5,"probability":0.6,"features":{}}"#,
        #"{"probability":0.5,"features":{"a":1,"a":2}}"#,
        #"{"probability":0.5,"model_version":3.5,"features":{}}"#,
        #"{"probability":0.5,"prediction":1.0,"features":{}}"#,
        #"{"probability":1e400,"features":{}}"#,
        #"{"probability":0.5,"features":{"a":01}}"#,
        #"{"probability":0.5,"features":{"a":[1]}}"#,
        #"{"probability":0.5}"#,
        #"{"features":{}}"#,
        #"{"probability":"0.5","features":{}}"#,
        #"{"probability":0.5,"features":{}} x"#,
        #"{"probability":0.5,"features":{},}"#,
        "[1]", "", "{", "garbage",
    ])
    func theDirectReaderAgreesWithFoundation(text: String) {
        let general = Result { () throws(PredictionRecord.Problem) in try PredictionRecord.parseAnyJSON(text) }
        if let direct = PredictionLine.parse(text) {
            #expect(general == .success(direct))
            if case .success(let record) = general {
                for (name, value) in record.features {
                    // -0 and 0 compare equal: the sign must match too.
                    if case .number(let a) = value, case .number(let b)? = direct.features[name] {
                        #expect(a.sign == b.sign && a.bitPattern == b.bitPattern, "\(name)")
                    }
                }
            }
        }
        #expect(Result { () throws(PredictionRecord.Problem) in try PredictionRecord.parse(text) } == general)
    }

    @Test func theDirectReaderTakesEveryLineChurndWritesAndGetsBackTheWrittenRecord() throws {
        var records: [PredictionRecord] = []
        for k in 0..<200 {
            var r = record
            r.requestID = "C\(k)"
            r.modelVersion = String(k % 4)
            r.alias = k % 3 == 0 ? "challenger" : nil
            r.file = k % 5 == 0 ? "drop \(k).csv" : nil
            r.probability = Double(k) / 200  // written with 6 decimals: these come back exactly
            r.latencyMS = k % 2 == 0 ? Double(k) / 8 : nil
            r.features["avg_session_minutes"] = k % 7 == 0 ? .missing : .number(Double(k) * 1.37)
            r.features["region"] = .text(k % 2 == 0 ? "EU" : "ÀB")
            records.append(r)
        }
        var bytes: [UInt8] = []
        var writer = ByteWriter { bytes.append(contentsOf: $0) }
        try PredictionRecord.write(records, to: &writer)
        try writer.flush()
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == records.count)
        for (line, written) in zip(lines, records) {
            let direct = try #require(PredictionLine.parse(line))
            // Features are written in their shortest form that reads back exactly (1.37 × k is often 17 digits).
            #expect(direct == written)
            // Foundation's parser gives the same record, except that it rounds some 17-digit numbers a few
            // doubles away from the value written.
            var general = try PredictionRecord.parseAnyJSON(line)
            if case .number(let a)? = general.features["avg_session_minutes"],
                case .number(let b)? = direct.features["avg_session_minutes"]
            {
                #expect(abs(a - b) <= 4 * b.ulp)
                general.features["avg_session_minutes"] = .number(b)
            }
            #expect(general == direct)
        }
    }

    /// The windows read a line from its bytes when it has churnd's plain shape, and through
    /// `PredictionRecord.parse` otherwise: both ways must keep, skip and count every line alike.
    @Test func windowsReadFromBytesAgreeWithWindowsReadThroughRecords() throws {
        var lines: [String] = []
        for k in 0..<60 {
            var r = record
            r.modelVersion = ["3", "4", "models:/churn_model@production", "", "model_v2.pkl", "models:/fraud/1"][k % 6]
            r.alias = k % 7 == 0 ? "challenger" : nil
            r.file = k % 5 == 0 ? "drop \(k).csv" : nil
            r.probability = Double(k) / 60
            r.timestamp = k % 11 == 0 ? 0 : Double(100 + 10 * k)
            r.features["avg_session_minutes"] = k % 9 == 0 ? .missing : .number(Double(k) * 1.37)
            r.features["region"] = .text(["EU", "ÀB", " NA ", "\u{00A0}AF", "x\t"][k % 5])
            if k % 13 == 0 { r.features["plan_type"] = .number(Double(k) / 2) }
            if k % 17 == 0 { r.features["extra"] = .text("kept out") }
            lines.append(try line(r))
        }
        lines += [
            // Churnd's shape with a twist the direct reader must still get right, or leave to the general one.
            #"{"model_version":"3","probability":0.5,"features":{"tenure_months":"12","num_complaints":2,"avg_session_minutes":1,"plan_type":"a","region":"b"},"ts":5}"#,
            #"{"model_version":"3","probability":0.5,"features":{"num_complaints":2,"avg_session_minutes":1,"plan_type":"a","region":"b"}}"#,
            #"{"model_version":"3","probability":0.5,"features":{"tenure_months":1,"num_complaints":2,"avg_session_minutes":1,"plan_type":"a"}}"#,
            #"{"model_version":"3","probability":0.5,"features":{"tenure_months":1,"tenure_months":2,"num_complaints":2,"avg_session_minutes":1,"plan_type":"a","region":"b"}}"#,
            #"{"model_version":"3","probability":0.5,"features":{"x":1,"x":2,"tenure_months":1,"num_complaints":2,"avg_session_minutes":1,"plan_type":"a","region":"b"}}"#,
            #"{"model_version":"3","request_id":"a","request_id":"b","probability":0.5,"features":{"tenure_months":1,"num_complaints":2,"avg_session_minutes":1,"plan_type":"a","region":"b"}}"#,
            #"{"model_version":3,"probability":0.25,"features":{"tenure_months":-0,"num_complaints":-0.0,"avg_session_minutes":2.5E+2,"plan_type":1e300,"region":7}}"#,
            #"{"model_version":3.5,"probability":0.25,"features":{"tenure_months":1,"num_complaints":2,"avg_session_minutes":1,"plan_type":"a","region":"b"}}"#,
            #"{"model_version":"3","probability":"0.5","features":{"tenure_months":1,"num_complaints":2,"avg_session_minutes":1,"plan_type":"a","region":"b"}}"#,
            #"{"model_version":"3","probability":null,"features":{}}"#,
            #"{"model_version":"3","features":{}}"#,
            #"{"model_version":"3","probability":0.5}"#,
            #"{"model_version":"3","probability":0.5,"features":{"tenure_months":1,"num_complaints":2,"avg_session_minutes":1,"plan_type":"a\"b","region":"b"}}"#,
            #"{"model_version":"3","probability":0.5,"features":{"tenure_months":true,"num_complaints":2,"avg_session_minutes":1,"plan_type":"a","region":"b"}}"#,
            #"{"model_version":"3","probability":0.5,"features":{"tenure_months":1,"num_complaints":2,"avg_session_minutes":1,"plan_type":"a","région":"b","region":"c"}}"#,
            #"{"model_version":"3","alias":null,"probability":0.5,"features":{"tenure_months":1,"num_complaints":2,"avg_session_minutes":1,"plan_type":"a","region":"b"}}"#,
            #"{"probability":0.5,"features":{"tenure_months":1,"num_complaints":2,"avg_session_minutes":-2.5,"plan_type":"a","region":"b"},"ts":200}"#,
            #"{"model_version":null,"probability":0.5,"features":{"tenure_months":-1,"num_complaints":2,"avg_session_minutes":-0.75,"plan_type":"a","region":"b"},"ts":500}"#,
            #"{"model_version":"3","alias":7,"probability":0.5,"features":{"tenure_months":1,"num_complaints":2,"avg_session_minutes":1,"plan_type":"a","region":"b"}}"#,
            #"{"model_version":"3","alias":null,"probability":0.123456789012345678,"features":{"tenure_months":123456789012345678901,"num_complaints":2,"avg_session_minutes":0.1,"plan_type":"a","region":"b"},"ts":"x"}"#,
            #" { "model_version" : "4" , "probability" : 1e-3 , "features" : { "tenure_months" : 1 , "num_complaints" : 2 , "avg_session_minutes" : 1 , "plan_type" : null , "region" : "b" } }  "#,
            #"{"model_version":"3","probability":0.5,"features":{"tenure_months":1,"num_complaints":2,"avg_session_minutes":1,"plan_type":"a","region":"b"}}"#
                + "\r",
            #"{"model_version":"3","probability":0.5,"features":{"tenure_months":1}} trailing"#,
            "", "   ", "\t\r", "\u{00A0}", "garbage", "[1]", "{",
        ]
        let attribution = VersionAttribution(
            model: "churn_model",
            moves: [.init(alias: "production", at: 150, version: 3), .init(alias: "production", at: 400, version: 4)])
        // A small capacity replaces records in place; a large one keeps them all.
        for capacity in [8, 100] {
            var direct = PredictionWindows(schema: .reference, capacity: capacity, attribution: attribution)
            var general = PredictionWindows(schema: .reference, capacity: capacity, attribution: attribution)
            for text in lines {
                let bytes = Array(text.utf8)
                bytes.withUnsafeBufferPointer { direct.ingest(bytes: $0) }
                general.ingest(parsing: text)
            }
            // A byte that is not UTF-8 reads as the replacement character either way.
            let invalid =
                Array(#"{"model_version":"3","probability":0.5,"features":{"tenure_months":1,"num_complaints":2,"#.utf8)
                + Array(#""avg_session_minutes":1,"plan_type":"a"#.utf8) + [0xC3, 0x28]
                + Array(#"","region":"b"}}"#.utf8)
            invalid.withUnsafeBufferPointer { direct.ingest(bytes: $0) }
            general.ingest(parsing: String(decoding: invalid, as: UTF8.self))

            #expect(direct.linesRead == general.linesRead)
            #expect(direct.skipped == general.skipped)
            #expect(direct.usable == general.usable)
            #expect(direct.attributedByTime == general.attributedByTime)
            #expect(direct.usable.values.reduce(0, +) > 40 && direct.skipped.count > 5)
            for version in ["3", "4", "5"] {
                #expect(direct.count(version: version) == general.count(version: version))
                for shadow in [false, true] {
                    let window = direct.window(version: version, includeShadow: shadow)
                    #expect(window == general.window(version: version, includeShadow: shadow), "v\(version)")
                }
            }
            guard capacity == 100 else { continue }
            // Levels are trimmed (Unicode spaces too), numbers become their text, shadow lines stay out by default.
            let all = direct.window(version: "3", includeShadow: true)
            let levels = Set(all.categorical["region"] ?? [])
            #expect(levels.isSuperset(of: ["NA", "AF", "x", "EU", "ÀB", "7"]) && !levels.contains(" NA "))
            #expect(all.categorical["plan_type"]?.contains("1e+300") == true)
            #expect(all.count > direct.window(version: "3").count)
        }
    }

    @Test func aFullWindowReplacesItsOldestRecordWithoutCopyingTheOthers() throws {
        var windows = PredictionWindows(schema: .reference, capacity: 50)
        for _ in 0..<50 { windows.add(record) }
        let address = try #require(windows.storageAddress(version: "3"))
        for k in 0..<200 {
            var r = record
            r.probability = Double(k) / 1000
            windows.add(r)
            // A copy of the ring per record (the cost that kept a daemon busy seconds after the drops) would
            // move the records to a new buffer every time.
            #expect(windows.storageAddress(version: "3") == address)
        }
        #expect(windows.count(version: "3") == 50)
        #expect(Set(windows.window(version: "3").probabilities) == Set((150..<200).map { Double($0) / 1000 }))
    }

    @Test func shadowRecordsStayOutOfTheChampionsWindow() throws {
        var windows = PredictionWindows(schema: .reference, capacity: 10)
        var shadow = record
        shadow.alias = "challenger"
        windows.add(record)
        windows.add(shadow)
        #expect(windows.window(version: "3").count == 1)
        #expect(windows.window(version: "3", includeShadow: true).count == 2)
    }
}

struct DriftReportPageTests {
    @Test func rendersEveryFeatureAsInlineSVGWithoutScripts() throws {
        var data = LabeledData(schema: .reference)
        try data.append(path: "g", source: MemorySource(try generate(rows: 3000, seed: 1)), maxMissingFraction: 0)
        let artifact = try Trainer(config: Config().singleSplit).train(data, now: 0, elapsed: { 0 }).artifact
        var shifted = Generator()
        shifted.labeled = false
        try shifted.apply(shift: "num_complaints=2.5")
        let window = DriftSimulation.window(
            shifted, rows: 500, seed: 5, scorer: Scorer(artifact: artifact, versionLabel: "1"))
        let report = DriftCheck().run(window, reference: artifact.featureStatistics)
        #expect(report.alert)
        let html = DriftReportPage(
            report: report, decision: "rolled production back from v2 to v1 <test>", checkedAt: "2026-11-23 12:00",
            modelVersion: "2",
            lines: LogLineCounts(
                read: 500, used: 500, version: "2", attributedByTime: 0, usable: ["2": 500], skipped: [:])
        ).html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(html.components(separatedBy: "<svg").count - 1 == report.features.count)
        for feature in Schema.reference.features + ["probability"] { #expect(html.contains("<h2>\(feature)</h2>")) }
        #expect(html.contains("&lt;test&gt;"))
        #expect(html.contains("Drift alert"))
    }
}

struct PredictionSamplerTests {
    func sample(rows: Int, capacity: Int, seed: UInt64, repeats: Int = 2) -> [String] {
        sample(rows: rows, capacity: capacity, seed: seed, repeats: repeats).ids
    }

    /// The ids kept, the sampler, and the bytes of every row it kept (replaced ones too). Each row's id is its
    /// number, and its one field the number `repeats` times.
    func sample(rows: Int, capacity: Int, seed: UInt64, repeats: Int) -> (
        ids: [String], sampler: PredictionSampler, appended: Int
    ) {
        var sampler = PredictionSampler(capacity: capacity, seed: seed)
        var appended = 0
        for k in 0..<rows {
            if let slot = sampler.offer() {
                let id = Array("\(k)".utf8), field = Array(String(repeating: "\(k)", count: repeats).utf8)
                appended += id.count + field.count
                id.withUnsafeBufferPointer { id in
                    field.withUnsafeBufferPointer { field in
                        sampler.keep(row: k, id: id, fieldCount: 1, field: { _ in field }, probability: nil, at: slot)
                    }
                }
            }
        }
        let kept = sampler.rows
        let ids = (0..<kept.count).map { slot in
            let id = kept.withField(-1, of: slot) { String(decoding: $0, as: UTF8.self) }
            let field = kept.withField(0, of: slot) { String(decoding: $0, as: UTF8.self) }
            #expect(field == String(repeating: id, count: repeats) && String(kept.rowNumbers[slot]) == id)
            return id
        }
        return (ids, sampler, appended)
    }

    @Test func keptRowsStayWholeWhenTheBufferIsCompacted() {
        // Long fields: rows replaced in their slots leave their bytes behind until the buffer is compacted.
        let (ids, sampler, appended) = sample(rows: 200_000, capacity: 2, seed: 5, repeats: 20_000)
        #expect(ids == sample(rows: 200_000, capacity: 2, seed: 5, repeats: 1).ids)
        let keptBytes = ids.reduce(0) { $0 + $1.utf8.count * 20_001 }
        // More was appended than the buffer may hold, and it holds no more: it was compacted.
        #expect(appended > 4 * keptBytes + 65_536)
        #expect(sampler.rows.heldBytes <= 4 * keptBytes + 65_536)
    }

    @Test func keepsEveryRowOfASmallFile() {
        #expect(sample(rows: 5, capacity: 10, seed: 1) == ["0", "1", "2", "3", "4"])
    }

    @Test func keepsAtMostCapacityRowsAndRepeatsForASeed() {
        let first = sample(rows: 10_000, capacity: 100, seed: 3)
        #expect(first.count == 100)
        #expect(Set(first).count == 100)
        #expect(first == sample(rows: 10_000, capacity: 100, seed: 3))
        #expect(sample(rows: 100, capacity: 0, seed: 3).isEmpty)
    }

    @Test func everyRowIsEquallyLikelyToBeKept() {
        // 2,000 samples of 10 out of 100 rows: each row should be kept about 200 times.
        var counts = [Int](repeating: 0, count: 100)
        for seed in 0..<2000 {
            for id in sample(rows: 100, capacity: 10, seed: UInt64(seed)) { counts[Int(id)!] += 1 }
        }
        #expect(counts.min()! > 140 && counts.max()! < 260, "\(counts.min()!)…\(counts.max()!)")
    }
}

/// The log lines `PredictionRecord.write` makes of `records`: what `Scorer.logLines(of:file:)` must write.
func recordLines(_ records: [PredictionRecord]) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var writer = ByteWriter { bytes.append(contentsOf: $0) }
    try PredictionRecord.write(records, to: &writer)
    try writer.flush()
    return bytes
}

/// The sample a scorer keeps for the prediction log matches what it wrote to the scored file.
struct ScorerSamplingTests {
    func scoreWithSample(_ artifact: ModelArtifact, csv: [UInt8], capacity: Int) throws -> (
        scored: [String: Double], sample: [PredictionRecord]
    ) {
        var scoredBytes: [UInt8] = []
        var errorBytes: [UInt8] = []
        var scored = ByteWriter { scoredBytes.append(contentsOf: $0) }
        var errors = ByteWriter { errorBytes.append(contentsOf: $0) }
        var sample = PredictionSampler(capacity: capacity, seed: 1)
        let scorer = Scorer(artifact: artifact, versionLabel: "5")
        _ = try scorer.score(
            path: "x", source: MemorySource(csv), scored: &scored, errors: &errors, progress: nil, sample: &sample,
            timestamp: 42)
        var probabilities: [String: Double] = [:]
        for line in String(decoding: scoredBytes, as: UTF8.self).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            probabilities[String(fields[0])] = Double(fields[1])!
        }
        let records = scorer.records(of: sample, file: "x.csv")
        #expect(try scorer.logLines(of: sample, file: "x.csv") == (try recordLines(records)))
        return (probabilities, records)
    }

    @Test(arguments: [ModelFamily.logisticRegression, .xgboost])
    func sampledRecordsCarryTheScoredProbabilityAndTheFeatures(family: ModelFamily) throws {
        var data = LabeledData(schema: .reference)
        try data.append(path: "g", source: MemorySource(try generate(rows: 3000, seed: 4)), maxMissingFraction: 0)
        var config = Config().singleSplit
        config.training.families = [family]
        let artifact = try Trainer(config: config).train(data, now: 0, elapsed: { 0 }).artifact
        var unlabeled = Generator()
        unlabeled.labeled = false
        var csv = try generate(unlabeled, rows: 400, seed: 9)
        csv += Array("C9999998,,1,30,basic,EU\nC9999999,bad,1,30,basic,EU\n".utf8)  // a missing value, an error row
        let (scored, sample) = try scoreWithSample(artifact, csv: csv, capacity: 50)
        #expect(sample.count == 50)
        #expect(Set(sample.map(\.requestID)).count == 50)
        for record in sample {
            let expected = try #require(scored[record.requestID])
            #expect(abs(record.probability - expected) <= 5e-7, "\(record.requestID)")
            #expect(record.prediction == (record.probability >= artifact.threshold ? 1 : 0))
            #expect(record.modelVersion == "5" && record.timestamp == 42)
            #expect(Set(record.features.keys) == Set(Schema.reference.features))
        }
        #expect(!sample.contains { $0.requestID == "C9999999" })

        let everything = try scoreWithSample(artifact, csv: csv, capacity: 1000).sample
        #expect(everything.count == 401)
        let missing = try #require(everything.first { $0.requestID == "C9999998" })
        #expect(missing.features["tenure_months"] == .missing)
        #expect(missing.features["region"] == .text("EU"))
    }
    @Test func rowsOfAFileWithoutAnIDColumnAreLoggedByTheirRowNumber() throws {
        var data = LabeledData(schema: .reference)
        try data.append(path: "g", source: MemorySource(try generate(rows: 2000, seed: 4)), maxMissingFraction: 0)
        var config = Config().singleSplit
        config.training.families = [.logisticRegression]
        let artifact = try Trainer(config: config).train(data, now: 0, elapsed: { 0 }).artifact
        // Row 2 is rejected; the scored file numbers the others 1, 3, 4, 5.
        let csv = Array(
            """
            tenure_months,num_complaints,avg_session_minutes,plan_type,region
            12,1,30.5,basic,EU
            bad,1,30.5,basic,EU
            40,0,,premium,NA
            7,3,12.25, Premium ,AS
            59,2,80,gold,AF

            """.utf8)
        for capacity in [10, 2] {
            let (scored, sample) = try scoreWithSample(artifact, csv: csv, capacity: capacity)
            #expect(Set(scored.keys) == ["1", "3", "4", "5"])
            #expect(sample.count == min(capacity, 4))
            for record in sample {
                let expected = try #require(scored[record.requestID])
                #expect(abs(record.probability - expected) <= 5e-7, "\(record.requestID)")
                #expect(record.timestamp == 42 && record.modelVersion == "5")
            }
            if capacity == 10 {
                #expect(sample.map(\.requestID) == ["1", "3", "4", "5"])
                #expect(sample[1].features["avg_session_minutes"] == .missing)
                #expect(sample[2].features["tenure_months"] == .number(7))
                #expect(sample[3].features["plan_type"] == .text("gold"))
            }
        }
    }
}
