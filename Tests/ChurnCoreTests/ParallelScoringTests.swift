import ChurnTestKit
import Foundation
import Testing

@testable import ChurnCore

/// One file on every core: scoring byte ranges in parallel writes the bytes the single-threaded path writes
/// (scored file, errors file with file line numbers, summary), wherever the ranges are cut.
struct ParallelScoringTests {
    struct Output: Equatable, CustomStringConvertible {
        var scored: [UInt8]
        var errors: [UInt8]
        var summary: Scorer.Summary

        var description: String {
            "scored:\n\(String(decoding: scored, as: UTF8.self))\nerrors:\n\(String(decoding: errors, as: UTF8.self))"
        }
    }

    static let logistic = Result { try ServingSplitTests.artifact("logistic_regression") }
    static let trees = Result { try ServingSplitTests.artifact("xgboost") }

    static func scorers(maxRecordBytes: Int = 1 << 20) throws -> [Scorer] {
        [
            Scorer(artifact: try logistic.get(), versionLabel: "3", maxRecordBytes: maxRecordBytes),
            Scorer(
                artifact: try trees.get(), versionLabel: "4", maxRecordBytes: maxRecordBytes,
                bounds: ["tenure_months": Bounds(min: 0, max: 120)], nthread: 2),
        ]
    }

    static func sequential(_ scorer: Scorer, _ csv: [UInt8]) throws -> Output {
        var scored: [UInt8] = []
        var errors: [UInt8] = []
        var scoredWriter = ByteWriter(capacity: 256) { scored.append(contentsOf: $0) }
        var errorsWriter = ByteWriter(capacity: 256) { errors.append(contentsOf: $0) }
        let summary = try scorer.score(
            path: "in.csv", source: MemorySource(csv), scored: &scoredWriter, errors: &errorsWriter)
        return Output(scored: scored, errors: errors, summary: summary)
    }

    static func parallel(_ scorer: Scorer, _ csv: [UInt8], chunkBytes: Int, workers: Int = 2) throws -> Output {
        var scored: [UInt8] = []
        var errors: [UInt8] = []
        var scoredWriter = ByteWriter(capacity: 256) { scored.append(contentsOf: $0) }
        var errorsWriter = ByteWriter(capacity: 256) { errors.append(contentsOf: $0) }
        var none = PredictionSampler(capacity: 0, seed: 0)
        let summary = try scorer.scoreInParallel(
            path: "in.csv", source: MemoryPositionalSource(csv),
            parallelism: .init(workers: workers, chunkBytes: chunkBytes, minimumBytes: 0), scored: &scoredWriter,
            errors: &errorsWriter, sample: &none)
        return Output(scored: scored, errors: errors, summary: try #require(summary))
    }

    /// Expects the parallel output to equal the sequential one for every range size in `chunks`.
    static func expectSame(_ csv: [UInt8], chunks: some Sequence<Int>, maxRecordBytes: Int = 1 << 20) throws {
        for scorer in try scorers(maxRecordBytes: maxRecordBytes) {
            let expected = try sequential(scorer, csv)
            for chunk in chunks {
                let got = try parallel(scorer, csv, chunkBytes: chunk)
                #expect(got == expected, "\(scorer.artifact.family), ranges of \(chunk) bytes")
                if got != expected { return }
            }
        }
    }

    static func generated(rows: Int, seed: UInt64 = 7) throws -> [UInt8] {
        var generator = Generator()
        generator.labeled = false
        var bytes: [UInt8] = []
        var writer = ByteWriter { bytes.append(contentsOf: $0) }
        try generator.write(rows: rows, seed: seed, to: &writer)
        try writer.flush()
        return bytes
    }

    @Test(arguments: [0, 1, 2, 7])
    func fewRowsGiveTheSameBytes(rows: Int) throws {
        let csv = try Self.generated(rows: rows)
        try Self.expectSame(csv, chunks: [1, 2, 3, 5, 16, 40, 41, 64, 100, 1 << 20])
    }

    @Test func aMillionRowsGiveTheSameBytes() throws {
        // 10⁶ rows in hundreds of ranges: a block of 1,000 rows (two of them rejected, one with a quoted line
        // feed) repeated 1,000 times. Every row is scored on its own, so the single-threaded output of the whole
        // file is the block's output repeated, with the error lines' numbers moved on by the block's lines each
        // time; the parallel path, which scores the file once, must write exactly that. (Scoring the file twice
        // in the debug build took minutes on a busy machine.)
        let generated = try Self.generated(rows: 998, seed: 11)
        let header = Array(generated.prefix { $0 != UInt8(ascii: "\n") }) + [UInt8(ascii: "\n")]
        let block =
            Array(generated.dropFirst(header.count))
            + Array("C-bad,x,1,2,basic,EU\n\"C-\nq\",3,1,2,basic,\"E\nU\",9\n".utf8)
        let blockLines = block.count { $0 == UInt8(ascii: "\n") }
        let repeats = 1_000
        var csv = header
        csv.reserveCapacity(header.count + repeats * block.count)
        for _ in 0..<repeats { csv += block }
        let scorer = Scorer(artifact: try Self.logistic.get(), versionLabel: "3")
        let once = try Self.sequential(scorer, header + block)
        #expect(once.summary.scored == 998 && once.summary.rejected == 2)
        let scoredHeader = once.scored.prefix { $0 != UInt8(ascii: "\n") }.count + 1
        let errorsHeader = once.errors.prefix { $0 != UInt8(ascii: "\n") }.count + 1
        let errorLines = once.errors.dropFirst(errorsHeader).split(separator: UInt8(ascii: "\n")).map { line in
            let comma = line.firstIndex(of: UInt8(ascii: ","))!
            return (number: Int(String(decoding: line[..<comma], as: UTF8.self))!, rest: Array(line[comma...]))
        }
        var expected = Output(
            scored: Array(once.scored.prefix(scoredHeader)), errors: Array(once.errors.prefix(errorsHeader)),
            summary: Scorer.Summary())
        for k in 0..<repeats {
            expected.scored += once.scored.dropFirst(scoredHeader)
            for line in errorLines {
                expected.errors += Array(String(line.number + k * blockLines).utf8) + line.rest + [UInt8(ascii: "\n")]
            }
            expected.summary.add(once.summary)
        }
        let got = try Self.parallel(scorer, csv, chunkBytes: 1 << 16, workers: 3)
        #expect(got.summary.rows == 1_000_000 && got.summary.scored == 998_000)
        #expect(got.summary == expected.summary)
        #expect(got.scored == expected.scored)
        #expect(got.errors == expected.errors)
        // Trees: the first 20,000 rows (the last one cut short) in ranges of 16 KiB.
        let trees = Scorer(artifact: try Self.trees.get(), versionLabel: "4", nthread: 2)
        let head = Array(csv.prefix(20 * block.count - 7))
        #expect(try Self.parallel(trees, head, chunkBytes: 1 << 14) == (try Self.sequential(trees, head)))
    }

    /// Quoted fields with line feeds, escaped quotes and commas, in the id and categorical columns, so that
    /// some range ends fall inside a quoted field, whatever the range size.
    static let quoted: [UInt8] = Array(
        #"""
        customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region
        "C1
        a",12,1,30.5,basic,EU
        C2,3,0,12,"prem
        ium","E""U"
        "C3,""x""",40,2,"55.25",premium,"
        "
        C4,abc,1,3,basic,NA

        "C5""
        ""
        ",7,1,8,"basic",AS
        C6,8,1,9,basic,"AF"

        """#.utf8)

    @Test func theErrorsWriterIsHandedBytesOnlyWhenARowIsRejected() throws {
        // The daemon creates the errors file with its first bytes: a clean file must cost no errors file.
        let clean = try Self.generated(rows: 300)
        let bad = clean + Array("C-bad,x,1,2,basic,EU\n".utf8)
        for scorer in try Self.scorers() {
            for output in [try Self.sequential(scorer, clean), try Self.parallel(scorer, clean, chunkBytes: 500)] {
                #expect(output.summary.scored == 300)
                #expect(output.errors.isEmpty)
            }
            for output in [try Self.sequential(scorer, bad), try Self.parallel(scorer, bad, chunkBytes: 500)] {
                #expect(output.summary.rejected == 1)
                #expect(String(decoding: output.errors, as: UTF8.self).hasPrefix("line,column,value,reason\n302,"))
            }
        }
    }

    @Test func quotedLineFeedsAtEveryRangeEnd() throws {
        try Self.expectSame(Self.quoted, chunks: 1...Self.quoted.count + 1)
    }

    @Test func crlfLinesAndAByteOrderMarkGiveTheSameBytes() throws {
        let text = String(decoding: Self.quoted, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n")
        let csv = [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        try Self.expectSame(csv, chunks: 1...csv.count + 1)
        // CR-only lines: no line feed to split at, so the whole input is scored in order as one rest.
        let cr = Array(String(decoding: Self.quoted, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r").utf8)
        try Self.expectSame(cr, chunks: [1, 10, 1000])
    }

    @Test func errorsInTheFirstAndLastRowOfEveryRangeKeepTheirLineNumbers() throws {
        // Every third row is bad in a different way; ranges of every size from one row to five put bad rows
        // first and last in ranges.
        var lines = ["customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region"]
        for k in 1...40 {
            switch k % 3 {
            case 0: lines.append("C\(k),\(k % 2 == 0 ? "x" : "500"),1,3.5,basic,EU")
            case 1: lines.append("C\(k),\(k),1,\"3\n.5\",basic,EU,extra")
            default: lines.append("C\(k),\(k),1,3.5,premium,\"N\nA\"")
            }
        }
        let csv = Array((lines.joined(separator: "\n") + "\n").utf8)
        try Self.expectSame(csv, chunks: 20...200)
        // The line numbers are the file's: row 40 starts on line 1 + 40 + the 26 line feeds in quotes before it.
        let scorer = try Self.scorers()[0]
        let errors = String(decoding: try Self.parallel(scorer, csv, chunkBytes: 30).errors, as: UTF8.self)
        #expect(errors.split(separator: "\n").last?.hasPrefix("67,,,\"expected 6 fields, found 7\"") == true)
    }

    @Test func anOpenQuoteOrAnOverlongRecordIsReadAsTheSequentialPathReadsIt() throws {
        var csv = try Self.generated(rows: 30)
        let middle = csv.count / 2
        let open = csv[middle...].firstIndex(of: UInt8(ascii: "\n"))! + 1
        csv.insert(contentsOf: Array("C0,\"1,2\n".utf8), at: open)  // a quote left open to the end of the file
        try Self.expectSame(csv, chunks: [1, 13, 64, 200, 700])
        // Records longer than the limit are skipped and reported, also across range ends.
        var long = try Self.generated(rows: 30)
        long.insert(contentsOf: Array(("C0," + String(repeating: "9", count: 300) + ",1,2,basic,EU\n").utf8), at: open)
        try Self.expectSame(long, chunks: [1, 50, 64, 120, 400, 5000], maxRecordBytes: 128)
    }

    @Test func inputsWithoutAnIdColumnOrBelowTheSizeAreLeftToTheSequentialPath() throws {
        let scorer = try Self.scorers()[0]
        var none = PredictionSampler(capacity: 0, seed: 0)
        var sink = ByteWriter { _ in }
        var errors = ByteWriter { _ in }
        let noID = Array("tenure_months,num_complaints,avg_session_minutes,plan_type,region\n1,1,1,basic,EU\n".utf8)
        #expect(
            try scorer.scoreInParallel(
                path: "x", source: MemoryPositionalSource(noID),
                parallelism: .init(workers: 2, chunkBytes: 8, minimumBytes: 0), scored: &sink, errors: &errors,
                sample: &none) == nil)
        #expect(sink.position == 0)
        let small = try Self.generated(rows: 5)
        #expect(
            try scorer.scoreInParallel(
                path: "x", source: MemoryPositionalSource(small),
                parallelism: .init(workers: 2, chunkBytes: 8), scored: &sink, errors: &errors, sample: &none) == nil)
        #expect(
            try scorer.scoreInParallel(
                path: "x", source: MemoryPositionalSource(small),
                parallelism: .init(workers: 1, chunkBytes: 8, minimumBytes: 0), scored: &sink, errors: &errors,
                sample: &none) == nil)
        #expect(sink.position == 0)
    }

    @Test func thePredictionLogSampleIsTheSequentialPathsSample() throws {
        // Quoted fields, missing markers and unseen levels in the kept rows; a rest scored in order at the end.
        var csv = try Self.generated(rows: 400, seed: 3)
        csv += Array("C9,-1,1,\"4\n\",\"premium\",\"N\nA\"\nC10,,2,3,basic,\"EU\n".utf8)
        for scorer in try Self.scorers() {
            for capacity in [1, 7, 50, 1000] {
                var none = [UInt8]()
                var sequentialSample = PredictionSampler(capacity: capacity, seed: 42)
                var w1 = ByteWriter { none.append(contentsOf: $0) }
                var e1 = ByteWriter { _ in }
                let expected = try scorer.score(
                    path: "in.csv", source: MemorySource(csv), scored: &w1, errors: &e1, progress: nil,
                    sample: &sequentialSample, timestamp: 5)
                // The kept records read again in windows of every size: shorter than a record (each read
                // alone), a few records, whole ranges.
                for (chunk, window) in [(64, 1), (64, 40), (1000, 100), (1000, 256 << 10), (5000, 700)] {
                    var parallelSample = PredictionSampler(capacity: capacity, seed: 42)
                    var w2 = ByteWriter { _ in }
                    var e2 = ByteWriter { _ in }
                    let summary = try scorer.scoreInParallel(
                        path: "in.csv", source: MemoryPositionalSource(csv),
                        parallelism: .init(
                            workers: 3, chunkBytes: chunk, minimumBytes: 0, sampleWindowBytes: window),
                        scored: &w2, errors: &e2, sample: &parallelSample, timestamp: 5)
                    #expect(summary == expected)
                    let records = scorer.records(of: parallelSample)
                    let context = "capacity \(capacity), chunk \(chunk), window \(window)"
                    #expect(records == scorer.records(of: sequentialSample), "\(context)")
                    #expect(records.count == min(capacity, expected.scored))
                    #expect(try scorer.logLines(of: parallelSample) == (try recordLines(records)))
                }
            }
        }
    }

    @Test func theLoggedProbabilityOfARowWithAMissingCategoryIsTheScoredOne() throws {
        // A logistic model trained with missing plan types has a weight for them. The parallel path's sample
        // has no probabilities: its log lines compute them from the kept fields, and must say what the
        // sequential path's lines say with the probabilities file scoring computed.
        let generator = Generator()
        var labeled: [UInt8] = []
        var writer = ByteWriter { labeled.append(contentsOf: $0) }
        try generator.write(rows: 3000, seed: 5, to: &writer)
        try writer.flush()
        var data = LabeledData(schema: .reference)
        try data.append(
            path: "g", source: MemorySource(Self.withoutPlans(labeled, every: 7)), maxMissingFraction: 0.5)
        var config = Config().singleSplit
        config.training.families = [.logisticRegression]
        let scorer = Scorer(
            artifact: try Trainer(config: config).train(data, now: 0, elapsed: { 0 }).artifact, versionLabel: "3")
        let csv = Self.withoutPlans(try Self.generated(rows: 300, seed: 8), every: 5)
        var sequential = PredictionSampler(capacity: 100, seed: 1)
        var parallel = PredictionSampler(capacity: 100, seed: 1)
        var scored = ByteWriter { _ in }
        var errors = ByteWriter { _ in }
        _ = try scorer.score(
            path: "x", source: MemorySource(csv), scored: &scored, errors: &errors, progress: nil,
            sample: &sequential, timestamp: 5)
        _ = try scorer.scoreInParallel(
            path: "x", source: MemoryPositionalSource(csv),
            parallelism: .init(workers: 2, chunkBytes: 500, minimumBytes: 0), scored: &scored, errors: &errors,
            sample: &parallel, timestamp: 5)
        #expect(sequential.rows.probabilities.allSatisfy { $0 != nil })
        #expect(parallel.rows.probabilities.allSatisfy { $0 == nil })
        let missing = scorer.records(of: sequential).filter { $0.features["plan_type"] == .missing }
        #expect(missing.count > 10)
        #expect(try scorer.logLines(of: parallel) == scorer.logLines(of: sequential))
    }

    /// `csv` with the plan type (the fifth field) of every `every`th record after the header left empty.
    static func withoutPlans(_ csv: [UInt8], every: Int) -> [UInt8] {
        let lines = csv.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var out: [UInt8] = []
        for (index, line) in lines.enumerated() {
            if index > 0, index % every == 0, !line.isEmpty {
                var fields = line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
                fields[4] = []
                out += Array(fields.joined(separator: [UInt8(ascii: ",")]))
            } else {
                out += line
            }
            if index < lines.count - 1 { out.append(UInt8(ascii: "\n")) }
        }
        return out
    }

    @Test func quotesAreCountedAsAByteLoopCountsThem() {
        var random = SystemRandomNumberGenerator()
        for length in [0, 1, 31, 32, 33, 100, 32 * 255, 32 * 255 + 1, 32 * 256 + 5, 50_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 30...40, using: &random) }
            let counted = bytes.withUnsafeBufferPointer { RecordRanges.count(UInt8(ascii: "\""), in: $0) }
            let words = bytes.withUnsafeBufferPointer { RecordRanges.countWords(UInt8(ascii: "\""), in: $0) }
            #expect(counted == bytes.count { $0 == UInt8(ascii: "\"") }, "length \(length)")
            #expect(words == counted, "length \(length)")
        }
        // Sparse quotes, then dense ones: the count switches from memchr to words part way.
        for dense in [0, 1, 100, 5_000] {
            var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 20_000)
            for k in stride(from: 0, to: 20_000, by: 997) { bytes[k] = UInt8(ascii: "\"") }
            for k in stride(from: 20_000 - dense, to: 20_000, by: 2) { bytes[k] = UInt8(ascii: "\"") }
            let counted = bytes.withUnsafeBufferPointer { RecordRanges.count(UInt8(ascii: "\""), in: $0) }
            #expect(counted == bytes.count { $0 == UInt8(ascii: "\"") }, "\(dense) dense")
        }
        let allQuotes = [UInt8](repeating: UInt8(ascii: "\""), count: 40_000)
        #expect(allQuotes.withUnsafeBufferPointer { RecordRanges.count(UInt8(ascii: "\""), in: $0) } == 40_000)
    }

    @Test func aRangeEndsAfterTheLastLineFeedOutsideQuotes() {
        func end(_ text: String) -> Int? {
            Array(text.utf8).withUnsafeBufferPointer { RecordRanges.lastRecordEnd($0) }
        }
        #expect(end("a,b\nc,d\ne") == 8)
        #expect(end("a,\"b\nc\"\nd,\"e\nf") == 8)
        #expect(end("\"a\nb") == nil)
        #expect(end("abc") == nil)
        #expect(end("a\"\"b\nc") == 5)
    }
}
