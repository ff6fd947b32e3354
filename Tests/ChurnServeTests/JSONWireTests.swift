import ChurnCore
import Foundation
import Testing

@testable import ChurnServe

/// The scoring routes read request bodies with `JSONParser` and write their answers with `JSONBytes` (both for
/// speed): they must read and write exactly what Foundation's `JSONDecoder` and the `JSONEncoder` of
/// `JSONResponse` (sorted keys, unescaped slashes) read and write.
struct JSONWireTests {
    static let documents: [String] = [
        #"{"tenure_months": 6, "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": "basic", "region": "AF"}"#,
        #"[{"a": 1}, {"b": [true, false, null]}, [], {}]"#,
        #"  {"nested": {"deeper": [[[-0.5e3, 1E-2, 0, -0, 123456789012345678901234567890]]]}}  "#,
        #"{"s": "quote \" backslash \\ slash \/ tab \t nl \n cr \r bs \b ff \f u \u00e9 \u20AC pair \ud83d\ude00"}"#,
        #"{"utf8": "héllo wörld ✓ 😀", "empty": ""}"#,
        #"{"dataframe_split": {"columns": ["customer_id", "x"], "data": [["C-1", 1.25], ["C-2", null], [3, 9007199254740993]]}}"#,
        "17", "-3.25", "\"text\"", "true", "null", "[1,2,3]", "\n\t{\r\n}\n",
        #"{"big": 1.7976931348623157e308, "small": 5e-324, "long": 1234567890123456, "long2": 12345678901234567}"#,
    ]

    @Test func theParserReadsWhatJSONDecoderReads() throws {
        for document in Self.documents {
            let bytes = Array(document.utf8)
            let expected = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
            #expect(try JSONValue.parse(bytes) == expected, "\(document)")
        }
        // Where Foundation differs, the parser reads as Python's json module (the Python lab's FastAPI app) does:
        // a repeated name keeps its last value.
        #expect(try JSONValue.parse(Array(#"{"dup": 1, "dup": 2}"#.utf8)) == .object(["dup": .number(2)]))
    }

    @Test func theParserRefusesWhatIsNotJSONAndSaysWhere() throws {
        let broken: [(String, String)] = [
            ("", "unexpected end of the document at line 1, column 1"),
            ("{", "unexpected end of the document at line 1, column 2"),
            (#"{"a": 1,}"#, "expected a field name in quotes at line 1, column 9"),
            ("{\n  \"a\": tru\n}", "unexpected byte 0xA at line 2, column 11"),
            ("[1, 2", "unexpected end of the document at line 1, column 6"),
            ("[1 2]", "expected ',' or ']' in an array at line 1, column 4"),
            (#"{"a" 1}"#, "expected ':' after a field name at line 1, column 6"),
            ("01", "a number cannot start with 0 at line 1, column 2"),
            ("1.", "expected a digit after '.' at line 1, column 3"),
            ("-", "expected a digit at line 1, column 2"),
            ("1e", "expected a digit in the exponent at line 1, column 3"),
            ("1e999", "number out of range at line 1, column 1"),
            ("NaN", "unexpected character 'N' at line 1, column 1"),
            (#""abc"#, "unterminated string at line 1, column 5"),
            ("\"a\tb\"", "unescaped control character in a string at line 1, column 3"),
            (#""\x""#, #"invalid escape '\x' at line 1, column 3"#),
            (#""\ud83d""#, #"unpaired surrogate in a \u escape at line 1, column 8"#),
            (#""\u12zz""#, #"expected 4 hex digits in a \u escape at line 1, column 6"#),
            ("{} {}", "unexpected data after the JSON value at line 1, column 4"),
            ("[" + String(repeating: "[", count: 600), "nesting deeper than 512 levels at line 1, column 513"),
        ]
        for (document, message) in broken {
            let bytes = Array(document.utf8)
            // (Foundation's decoder accepts a trailing comma in an object; Python's json module does not.)
            if !document.hasSuffix(",}") {
                #expect((try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))) == nil, "\(document)")
            }
            #expect(throws: RequestProblem.malformedJSON(message), "\(document)") { try JSONValue.parse(bytes) }
        }
        // Invalid UTF-8 inside a string.
        #expect(throws: RequestProblem.malformedJSON("invalid UTF-8 in a string at line 1, column 2")) {
            try JSONValue.parse([0x22, 0xC3, 0x28, 0x22])
        }
        // A deep but allowed nesting parses.
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { try JSONValue.parse(Array(deep.utf8)) }
    }

    static let doubles: [Double] = [
        0, 1, -1, 0.5, 0.1, 1e-5, 1.5e-7, 123456.789, 1e16, 1e21, 0.30000000000000004, 0.9999999999999999,
        .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
    ]
    static let strings = [
        "", "plain", "quote \" and \\ and / slash", "tab\tnl\ncr\rnul\u{0}\u{1F}", "é✓😀", "</script>",
    ]

    @Test func predictionAnswersAreWhatJSONEncoderWrites() throws {
        for (index, value) in Self.doubles.enumerated() {
            let text = Self.strings[index % Self.strings.count]
            let answer = Handlers.PredictionJSON(
                request_id: text, model_name: "churn_model", model_version: "\(index)", alias: "production",
                probability: value, prediction: index % 2, threshold: value, latency_ms: value, ts: 1_764_000_000.25)
            var json = JSONBytes()
            answer.write(to: &json)
            let expected = try JSONResponse.encoder.encode(answer)
            #expect(String(decoding: json.bytes, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        }
    }

    @Test func invocationAnswersAreWhatJSONEncoderWrites() throws {
        for idName in ["customer_id", "id", "zz_last", "a"] {
            let rows = Self.doubles.enumerated().map { index, value in
                Handlers.InvocationRow(
                    id: Self.strings[index % Self.strings.count], probability: value, prediction: index % 2,
                    version: "\(index)", idName: idName)
            }
            for predictions in [rows, [], Array(rows.prefix(1))] {
                let answer = Handlers.Predictions(predictions: predictions)
                let expected = try JSONResponse.encoder.encode(answer)
                #expect(String(decoding: answer.json, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
            }
        }
    }

    /// Short decimals are read without a String, to the same double `Double(String)` reads.
    @Test func shortDecimalsReadAsDoubleReadsThem() throws {
        var random = SystemRandomNumberGenerator()
        var texts = [
            "0.1", "-0.0", "0.000123", "12.5", "199.999", "-3.14159", "999999999999999.0", "0.999999999999999",
        ]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...15, using: &random)
            let point = Int.random(in: 1...digits, using: &random)
            var text = Int.random(in: 0...3, using: &random) == 0 ? "-" : ""
            let number = String(UInt64.random(in: 0..<UInt64(pow(10.0, Double(digits))), using: &random))
            let padded = String(repeating: "0", count: digits - number.count) + number
            let whole = String(padded.prefix(point).drop { $0 == "0" })
            text += (whole.isEmpty ? "0" : whole) + "." + String(padded.dropFirst(point))
            if digits == point { text += "5" }
            texts.append(text)
        }
        for text in texts {
            let bytes = Array(text.utf8)
            let fast = bytes.withUnsafeBufferPointer { JSONParser.shortDecimal($0) }
            let reference = try #require(Double(text))
            if bytes.filter({ $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: ".") }).count <= 15 {
                #expect(fast?.bitPattern == reference.bitPattern, "\(text)")
            }
            if case .number(let parsed) = try JSONValue.parse(bytes) {
                #expect(parsed.bitPattern == reference.bitPattern, "\(text)")
            }
        }
        #expect(Array("1e5".utf8).withUnsafeBufferPointer { JSONParser.shortDecimal($0) } == nil)
        #expect(Array("12".utf8).withUnsafeBufferPointer { JSONParser.shortDecimal($0) } == nil)
    }

    /// Only the usual `dataframe_split` shape is read as a table; anything else is left to the general path.
    @Test func theSplitTableReadsTheUsualShapeOnly() {
        let usual =
            #"{"dataframe_split": {"index": [0, 1], "columns": ["a", "b"], "data": [[1, "x"], [null, true]]}, "#
            + #""params": {}}"#
        let table = SplitTable.read(Array(usual.utf8))
        #expect(table?.columns == ["a", "b"] && table?.rows == 2 && table?.cells.count == 4)
        let others = [
            #"{"dataframe_split": {"data": [[1, "x"]], "columns": ["a", "b"]}, "instances": []}"#,
            #"{"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"], [2]]}}"#,
            #"{"dataframe_split": {"columns": ["a", "b"], "data": [[1, "\u0078"]]}}"#,
            #"{"dataframe_split": {"columns": ["a", "b"], "data": [[1, ["x"]]]}}"#,
            #"{"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"]], "data": [[1, "x"]]}}"#,
            #"{"dataframe_split": {"columns": ["a", 2], "data": [[1, "x"]]}}"#,
            #"{"dataframe_split": {"columns": ["a", "b"], "data": []}}"#,
            #"{"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"]]}} x"#,
            #"{"dataframe_split": {"columns": ["a", "b"], "data": [[01, "x"]]}}"#,
            #"[1]"#,
        ]
        for text in others { #expect(SplitTable.read(Array(text.utf8)) == nil, "\(text)") }
        // Keys in any order, whitespace anywhere.
        let reordered = "{ \"dataframe_split\" : { \"data\" : [ [ 1 , \"x\" ] ] , \"columns\" : [ \"a\" , \"b\" ] } }\n"
        #expect(SplitTable.read(Array(reordered.utf8))?.rows == 1)
    }

    /// A probability read from the scored CSV's six decimals is answered with the text `double` would write.
    @Test func sixDecimalProbabilitiesAreWrittenAsDoubleWritesThem() throws {
        let ks = Array(0..<2_000) + Array(stride(from: 2_000, to: 998_000, by: 7)) + Array(998_000...1_000_000)
        for k in ks {
            var text: [UInt8] = []
            var writer = ByteWriter(capacity: 16) { text.append(contentsOf: $0) }
            try writer.write(probability: Double(k) / 1e6)
            try writer.flush()
            let value = try #require(text.withUnsafeBufferPointer { NumberParser.parseDouble($0) })
            var fast = JSONBytes()
            text.withUnsafeBufferPointer { fast.double(value, sixDecimals: $0) }
            var general = JSONBytes()
            general.double(value)
            #expect(fast.bytes == general.bytes, "\(String(decoding: text, as: UTF8.self))")
        }
    }
}
