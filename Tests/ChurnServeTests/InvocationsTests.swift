import ChurnCore
import ChurnTestKit
import Foundation
import Testing

@testable import ChurnServe

/// `POST /invocations`: every MLflow input format gives the same predictions as the CSV file path.
@Suite(.serialized)
struct InvocationsTests {
    static let csv =
        "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region\n"
        + "C1,6,3,12.5,basic,AF\nC2,40,0,55,premium,EU\nC3,,1,20,Basic,us\n"

    static let formats: [(String, String)] = [
        (
            "dataframe_split",
            #"{"dataframe_split": {"columns": ["customer_id", "tenure_months", "num_complaints", "avg_session_minutes", "plan_type", "region"], "data": [["C1", 6, 3, 12.5, "basic", "AF"], ["C2", 40, 0, 55, "premium", "EU"], ["C3", null, 1, 20, "Basic", "us"]]}}"#
        ),
        (
            "dataframe_records",
            #"{"dataframe_records": [{"customer_id": "C1", "tenure_months": 6, "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": "basic", "region": "AF"}, {"customer_id": "C2", "tenure_months": 40, "num_complaints": 0, "avg_session_minutes": 55, "plan_type": "premium", "region": "EU"}, {"customer_id": "C3", "tenure_months": null, "num_complaints": 1, "avg_session_minutes": 20, "plan_type": "Basic", "region": "us"}]}"#
        ),
        (
            "instances",
            #"{"instances": [{"customer_id": "C1", "tenure_months": 6, "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": "basic", "region": "AF"}, {"customer_id": "C2", "tenure_months": 40, "num_complaints": 0, "avg_session_minutes": 55, "plan_type": "premium", "region": "EU"}, {"customer_id": "C3", "tenure_months": null, "num_complaints": 1, "avg_session_minutes": 20, "plan_type": "Basic", "region": "us"}]}"#
        ),
        (
            "inputs",
            #"{"inputs": {"customer_id": ["C1", "C2", "C3"], "tenure_months": [6, 40, null], "num_complaints": [3, 0, 1], "avg_session_minutes": [12.5, 55, 20], "plan_type": ["basic", "premium", "Basic"], "region": ["AF", "EU", "us"]}}"#
        ),
    ]

    @Test func everyFormatScoresLikeTheCSVBody() async throws {
        let serve = try await ServeFixture()
        let reference = try await serve.client.async(
            "POST", "/invocations", body: Self.csv, headers: ["Content-Type": "text/csv"])
        #expect(reference.status == 200, "\(reference.text)")
        let expected = reference.json["predictions"] as? [[String: Any]] ?? []
        #expect(expected.count == 3)
        #expect(expected.map { $0["customer_id"] as? String } == ["C1", "C2", "C3"])
        #expect(expected.allSatisfy { $0["model_version"] as? String == "1" })
        for (name, body) in Self.formats {
            let response = try await serve.client.async("POST", "/invocations", body: body)
            #expect(response.status == 200, "\(name): \(response.text)")
            let predictions = response.json["predictions"] as? [[String: Any]] ?? []
            #expect(predictions.map { $0["customer_id"] as? String } == ["C1", "C2", "C3"], "\(name)")
            for (got, want) in zip(predictions, expected) {
                let a = got["churn_probability"] as? Double ?? -1
                let b = want["churn_probability"] as? Double ?? -2
                #expect(NumberFormat.fixed(a, 6) == NumberFormat.fixed(b, 6), "\(name)")
                #expect(got["churn_prediction"] as? Int == want["churn_prediction"] as? Int, "\(name)")
            }
        }
        try await serve.stop()
        // 3 rows × 5 requests, each logged once.
        let records = try serve.logRecords()
        #expect(records.count == 15)
        #expect(records.filter { $0.requestID == "C1" }.count == 5)
        #expect(records.allSatisfy { $0.latencyMS != nil && $0.modelVersion == "1" })
    }

    /// Rows of every kind a `dataframe_split` cell can hold: string, numeric and missing ids; numbers, `null`
    /// and "" (the missing marker) for numeric fields; known, unknown, differently cased and padded levels.
    /// Columns in another order than the model's, an extra column, and a repeated one (the first counts).
    static func splitRows(_ count: Int) -> (columns: [String], rows: [[String]]) {
        let columns = [
            "region", "customer_id", "tenure_months", "extra", "num_complaints", "avg_session_minutes", "plan_type",
            "tenure_months",
        ]
        let regions = [#""AF""#, #""eu""#, #"" NA ""#, #""XX""#, "null", #""""#, #""É""#]
        let plans = [#""basic""#, #""Premium""#, #""gold""#, "null", #"" standard ""#]
        let numbers = ["0", "6", "12.5", "40", "null", #""""#, "199.999", "0.1", "3"]
        var rows: [[String]] = []
        for i in 0..<count {
            let id = i % 11 == 0 ? "null" : i % 7 == 0 ? "\(1000 + i)" : #""C\#(i)""#
            rows.append([
                regions[i % regions.count], id, numbers[i % numbers.count], "true", numbers[(i / 3) % 6],
                numbers[(i * 5) % numbers.count], plans[i % plans.count], "7",
            ])
        }
        return (columns, rows)
    }

    static func splitBody(_ columns: [String], _ rows: [[String]]) -> String {
        let names = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let data = rows.map { "[" + $0.joined(separator: ", ") + "]" }.joined(separator: ", ")
        return #"{"dataframe_split": {"columns": [\#(names)], "data": [\#(data)]}}"#
    }

    static func recordsBody(_ columns: [String], _ rows: [[String]]) -> String {
        let items = rows.map { row in
            var seen: Set<String> = []
            let fields = zip(columns, row).compactMap { name, value in
                seen.insert(name).inserted ? "\"\(name)\": \(value)" : nil
            }
            return "{" + fields.joined(separator: ", ") + "}"
        }
        return #"{"dataframe_records": [\#(items.joined(separator: ", "))]}"#
    }

    /// `dataframe_split` bodies of the usual shape are scored from a table of cells (`SplitTable`): the answer is
    /// the general path's to the byte (the same rows sent so that the general path reads them: a string with an
    /// escape, or as `dataframe_records`), and so are the log lines; a row with a problem gets the general path's
    /// 400 with its messages.
    @Test func dataframeSplitIsAnsweredAndLoggedAsTheGeneralPathDoes() async throws {
        let serve = try await ServeFixture()
        let (columns, rows) = Self.splitRows(300)
        let fast = Self.splitBody(columns, rows)
        var escaped = rows
        escaped[1][1] = #""C\u0031""#  // "C1", which the table does not read: the general path
        let general = Self.splitBody(columns, escaped)
        #expect(SplitTable.read(Array(fast.utf8)) != nil)
        #expect(SplitTable.read(Array(general.utf8)) == nil)
        let headers = ["X-Request-ID": "same"]  // ids of rows without one: "same-<row>"
        var answers: [String] = []
        for body in [fast, general, Self.recordsBody(columns, rows)] {
            let response = try await serve.client.async("POST", "/invocations", body: body, headers: headers)
            #expect(response.status == 200, "\(response.text.prefix(300))")
            answers.append(response.text)
        }
        #expect(answers[0] == answers[1])
        #expect(answers[0] == answers[2])
        #expect(answers[0].contains(#""customer_id":"1","#) && answers[0].contains(#""customer_id":"1007","#))

        var broken = rows
        broken[5][2] = "900"
        broken[9][6] = "12"
        var replies: [String] = []
        for body in [Self.splitBody(columns, broken), Self.recordsBody(columns, broken)] {
            let response = try await serve.client.async("POST", "/invocations", body: body, headers: headers)
            #expect(response.status == 400)
            replies.append(response.text)
        }
        #expect(replies[0] == replies[1])
        #expect(replies[0].contains("above the maximum"), "\(replies[0])")
        try await serve.stop()

        var records = try serve.logRecords()
        #expect(records.count == 900)
        for index in records.indices {
            #expect(records[index].latencyMS != nil)
            records[index].latencyMS = nil
            records[index].timestamp = 0
        }
        #expect(Array(records[0..<300]) == Array(records[300..<600]))
        #expect(Array(records[0..<300]) == Array(records[600..<900]))
        #expect(records[0].requestID == "same-1" && records[1].requestID == "C1")
        #expect(records.contains { $0.features["region"] == .text("XX") && $0.features["plan_type"] == .missing })
    }

    @Test(arguments: [
        ("text/csv", "customer_id,tenure_months\nC1,6\n", 400),
        (
            "text/csv",
            "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region\nC1,900,3,12.5,basic,AF\n",
            400
        ),
        ("application/json", #"{"dataframe_split": {"columns": ["a"], "data": [[1, 2]]}}"#, 400),
        ("application/json", #"{"nothing": 1}"#, 400),
        ("application/json", #"{"instances": [{"tenure_months": "x"}]}"#, 400),
        ("application/json", "{", 400),
        ("application/xml", "<a/>", 415),
    ])
    func badBodiesAreRefusedWithMLflowErrors(type: String, body: String, status: Int) async throws {
        let serve = try await ServeFixture()
        let response = try await serve.client.async("POST", "/invocations", body: body, headers: ["Content-Type": type])
        #expect(response.status == status, "\(response.text)")
        #expect((response.json["message"] as? String)?.isEmpty == false, "\(response.text)")
        #expect(response.json["error_code"] is String)
        try await serve.stop()
    }
}
