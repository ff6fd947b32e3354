import Testing

@testable import ChurnCore

/// Reads every record of `text`, forcing small reads so records straddle buffer refills.
func records(_ text: String, chunk: Int = 3, bufferSize: Int = 64, maxRecordBytes: Int = 1 << 20) throws
    -> [(line: Int, fields: [String], problem: CSVRecordProblem?)]
{
    var reader = CSVReader(
        source: MemorySource(text, chunk: chunk), bufferSize: bufferSize, maxRecordBytes: maxRecordBytes)
    var out: [(Int, [String], CSVRecordProblem?)] = []
    while try reader.next() { out.append((reader.line, reader.strings(), reader.problem)) }
    return out
}

struct CSVReaderTests {
    @Test(
        "splits records per RFC 4180",
        arguments: [
            ("a,b\n1,2\n", [["a", "b"], ["1", "2"]]),
            ("a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]]),
            ("a,b\n1,2", [["a", "b"], ["1", "2"]]),
            ("\u{FEFF}a,b\n1,2\n", [["a", "b"], ["1", "2"]]),
            ("a,b\n\"x,y\",2\n", [["a", "b"], ["x,y", "2"]]),
            ("a\n\"say \"\"hi\"\"\"\n", [["a"], ["say \"hi\""]]),
            ("a,b\n\"line1\nline2\",2\n", [["a", "b"], ["line1\nline2", "2"]]),
            ("a,b\n,\n", [["a", "b"], ["", ""]]),
            ("a,b\n\n1,2\n\n", [["a", "b"], ["1", "2"]]),
            ("a,b\r1,2\r", [["a", "b"], ["1", "2"]]),
            ("a,b\n\"\",x\n", [["a", "b"], ["", "x"]]),
        ])
    func splitsRecords(text: String, expected: [[String]]) throws {
        for chunk in [1, 2, 3, 7, 1000] {
            let got = try records(text, chunk: chunk)
            #expect(got.map(\.fields) == expected, "chunk \(chunk)")
            #expect(got.allSatisfy { $0.problem == nil })
        }
    }

    @Test func lineNumbersCountEmbeddedNewlines() throws {
        let got = try records("h\n\"a\nb\nc\"\nnext\n")
        #expect(got.map(\.line) == [1, 2, 5])
    }

    @Test func unterminatedQuoteAtEndOfFileIsReported() throws {
        let got = try records("a,b\n1,\"open\n")
        #expect(got.count == 2)
        #expect(got[1].problem == .unterminatedQuote)
        #expect(got[1].line == 2)
    }

    @Test func recordLongerThanTheLimitIsSkippedAndReported() throws {
        let long = String(repeating: "x", count: 5000)
        let got = try records(
            "a,b\n\(long),1\n\"q\n\(long)\",2\n3,4\n", chunk: 100, bufferSize: 64, maxRecordBytes: 1024)
        #expect(got.count == 4)
        #expect(got[1].problem == .tooLong(bytes: 5003))
        #expect(got[2].problem != nil)
        #expect(got[3].fields == ["3", "4"])
        #expect(got[3].line == 5)
    }

    @Test func recordsJustUnderTheLimitAreKept() throws {
        let field = String(repeating: "y", count: 1000)
        let got = try records("a\n\(field)\nz\n", chunk: 50, bufferSize: 64, maxRecordBytes: 1024)
        #expect(got.map(\.fields) == [["a"], [field], ["z"]])
    }

    @Test func reportsNULBytesInTheFirstChunk() throws {
        var reader = CSVReader(source: MemorySource([0x50, 0x4B, 0x03, 0x00, 0x0A]))
        _ = try reader.next()
        #expect(reader.firstNULOffset == 3)
    }

    @Test func observerSeesEveryByteOnce() throws {
        let text = "a,b\n" + String(repeating: "1,2\n", count: 500)
        var seen = 0
        var reader = CSVReader(source: MemorySource(text, chunk: 37), bufferSize: 64) { seen += $0.count }
        while try reader.next() {}
        #expect(seen == text.utf8.count)
    }
}

struct NumberParserTests {
    @Test(
        "parses decimal numbers exactly",
        arguments: [
            "0", "1", "-3", "+4.5", "35.25", "1e3", "2.5E-3", " 7 ", "0.1", "123456789012345678901234",
            "1.7976931348623157e308", "4.9e-324", ".5", "5.",
        ])
    func parsesLikeStrtod(text: String) {
        let expected = Double(text.trimmingCharacters(in: " "))!
        let got = Array(text.utf8).withUnsafeBufferPointer { NumberParser.parseDouble($0) }
        #expect(got == expected)
    }

    @Test(
        "refuses what is not a finite number",
        arguments: ["", "abc", "NaN", "inf", "-Infinity", "1,5", "1e", "--1", "1.2.3", "0x10", "NA", "1e999"])
    func refuses(text: String) {
        #expect(Array(text.utf8).withUnsafeBufferPointer { NumberParser.parseDouble($0) } == nil)
    }

    @Test func randomDecimalsParseAsTheCLibraryReadsThem() {
        var random = SystemRandomNumberGenerator()
        func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
        }
        for _ in 0..<200_000 {
            var text = Bool.random(using: &random) ? "-" : ""
            text += String(repeating: "0", count: Int.random(in: 0...2, using: &random))
            text += digits(Int.random(in: 0...12, using: &random))
            if Bool.random(using: &random) { text += "." + digits(Int.random(in: 0...14, using: &random)) }
            if Int.random(in: 0..<4, using: &random) == 0 { text += "e\(Int.random(in: -30...30, using: &random))" }
            let expected = Double(text).flatMap { $0.isFinite ? $0 : nil }
            let got = Array(text.utf8).withUnsafeBufferPointer { NumberParser.parseDouble($0) }
            #expect(got?.bitPattern == expected?.bitPattern, "\(text)")
        }
        let zeros = String(repeating: "0", count: 600) + "12.5"
        #expect(Array(zeros.utf8).withUnsafeBufferPointer { NumberParser.parseDouble($0) } == 12.5)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

struct ByteWriterTests {
    func render(_ body: (inout ByteWriter) throws -> Void) rethrows -> String {
        var bytes: [UInt8] = []
        var writer = ByteWriter(capacity: 8) { bytes.append(contentsOf: $0) }
        try body(&writer)
        try? writer.flush()
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(
        "formats fixed decimals",
        arguments: [
            (0.7345125, 6, "0.734513"), (0.0, 6, "0.000000"), (1.0, 6, "1.000000"), (35.005, 2, "35.01"),
            (-2.5, 1, "-2.5"), (120, 2, "120.00"), (0.0000004, 6, "0.000000"),
        ])
    func formatsFixed(value: Double, decimals: Int, expected: String) throws {
        #expect(try render { try $0.write(fixed: value, decimals: decimals) } == expected)
    }

    @Test(
        "quotes fields that need it",
        arguments: [
            ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"x\"", "\"say \"\"x\"\"\""), ("l1\nl2", "\"l1\nl2\""),
        ])
    func quotes(field: String, expected: String) throws {
        #expect(try render { try $0.writeField(field) } == expected)
    }

    @Test func writtenFieldsReadBackUnchanged() throws {
        let fields = ["a,b", "\"q\"", "multi\nline", "", "plain", "crlf\r\n"]
        let text = try render { writer in
            for (index, field) in fields.enumerated() {
                if index > 0 { try writer.write(byte: UInt8(ascii: ",")) }
                try writer.writeField(field)
            }
            try writer.write(byte: UInt8(ascii: "\n"))
        }
        #expect(try records(text).map(\.fields) == [fields])
    }
}

/// The scan's eight-bytes-at-a-time test flags exactly the bytes its byte loop stops at.
struct DelimiterSearchTests {
    @Test func everyByteValueInEveryPositionIsFlaggedExactlyWhenTheByteLoopStopsAtIt() {
        let filler: [UInt8] = [UInt8(ascii: "a"), 0xFF, UInt8(ascii: "#"), UInt8(ascii: "+")]
        for value in 0...255 {
            let byte = UInt8(value)
            let stops = byte <= UInt8(ascii: "\"") || byte == UInt8(ascii: ",")
            for position in 0..<8 {
                for fill in filler {
                    var word: UInt64 = 0
                    for k in 0..<8 { word |= UInt64(k == position ? byte : fill) << (8 * UInt64(k)) }
                    let flagged = CSVReader.specialBytes(word)
                    let bit = UInt64(0x80) << (8 * UInt64(position))
                    #expect(flagged == (stops ? bit : 0), "byte \(value) at \(position)")
                    #expect(CSVReader.commaBytes(word) == (byte == UInt8(ascii: ",") ? bit : 0), "byte \(value)")
                    #expect(CSVReader.bytesBelowHash(word) == (byte < UInt8(ascii: "#") ? bit : 0), "byte \(value)")
                }
            }
        }
    }

    /// A field read as one word (`FieldTable.word`) is its first eight bytes, zero padded, whatever its place in
    /// the buffer: at the end of the input, before a refill, after unquoting, empty.
    @Test func fieldsReadAsWordsAreTheirFirstEightBytes() throws {
        let text =
            "a,bb,\"c\"\"c\",,dddddddd,eeeeeeeee\r\n12345678901,\" x \",\"\"\n" + String(repeating: "z,", count: 40)
            + "q"
        for chunk in [1, 2, 7, 64, 1000] {
            var reader = CSVReader(source: MemorySource(text, chunk: chunk), bufferSize: 64)
            var fields = 0
            while try reader.next() {
                let table = reader.fieldTable
                for k in 0..<reader.fieldCount {
                    let bytes = Array(reader.field(k))
                    var expected: UInt64 = 0
                    for (i, byte) in bytes.prefix(8).enumerated() { expected |= UInt64(byte) << (8 * UInt64(i)) }
                    let (word, count) = table.word(k)
                    #expect(word == expected && count == bytes.count, "field \(k) \(bytes) with chunk \(chunk)")
                    fields += 1
                }
            }
            #expect(fields == 6 + 3 + 41)
        }
    }

    @Test func recordsAcrossEveryAlignmentReadTheSame() throws {
        // Delimiters at every offset from a word boundary, quoted fields and CRLF, read in small refills.
        for pad in 0..<9 {
            let text =
                String(repeating: "x", count: pad) + ",a,\"b,\r\nc\"\",\",d\r\n" + String(repeating: "y", count: 17)
                + ",!, ,\n"
            for chunk in [1, 3, 8, 1000] {
                var reader = CSVReader(source: MemorySource(text, chunk: chunk), bufferSize: 64)
                var records: [[String]] = []
                while try reader.next() { records.append(reader.strings()) }
                #expect(
                    records == [
                        [String(repeating: "x", count: pad), "a", "b,\r\nc\",", "d"],
                        [String(repeating: "y", count: 17), "!", " ", ""],
                    ])
            }
        }
    }
}
