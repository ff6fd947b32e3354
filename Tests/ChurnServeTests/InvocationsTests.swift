import ChurnCore
import ChurnServe
import ChurnTestKit
import Foundation
import Testing

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

    @Test(arguments: [
        ("text/csv", "customer_id,tenure_months\nC1,6\n", 400),
        ("text/csv", "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region\nC1,900,3,12.5,basic,AF\n", 400),
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
