import ChurnCore
import ChurnServe
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

/// `POST /predict` against the real server on a free port: the Python lab's request and response, the file
/// path's checks, and every prediction in the prediction log.
@Suite(.serialized)
struct PredictTests {
    @Test func oneCustomerIsScoredAsTheFilePathScoresIt() async throws {
        let serve = try await ServeFixture()
        let response = try await serve.client.async("POST", "/predict", body: ServeFixture.customer)
        #expect(response.status == 200)
        let body = response.json
        let requestID = try #require(body["request_id"] as? String)
        #expect(requestID.count == 36)
        #expect(response.headers["x-request-id"] == requestID)
        #expect(body["model_name"] as? String == "churn_model")
        #expect(body["model_version"] as? String == "1")
        #expect(body["alias"] as? String == "production")
        #expect((body["latency_ms"] as? Double ?? -1) >= 0)
        #expect((body["ts"] as? Double ?? 0) > 1_700_000_000)
        let probability = try #require(body["probability"] as? Double)
        let threshold = try #require(body["threshold"] as? Double)
        #expect(body["prediction"] as? Int == (probability >= threshold ? 1 : 0))

        // The same row as a CSV file, through the batch scorer: the same probability to 6 decimals.
        let artifact = try serve.lifecycle.loadArtifact(version: 1)
        let scorer = Scorer(artifact: artifact, versionLabel: "1", bounds: serve.config.schema.bounds)
        var out: [UInt8] = []
        var errors: [UInt8] = []
        var scored = ByteWriter { out.append(contentsOf: $0) }
        var errorWriter = ByteWriter { errors.append(contentsOf: $0) }
        _ = try scorer.score(
            path: "x.csv",
            source: MemorySource(
                "customer_id,tenure_months,num_complaints,avg_session_minutes,plan_type,region\nC1,6,3,12.5,basic,AF\n"),
            scored: &scored, errors: &errorWriter)
        let line = String(decoding: out, as: UTF8.self).split(separator: "\n")[1].split(separator: ",")
        #expect(String(line[1]) == NumberFormat.fixed(probability, 6))
        try await serve.stop()

        let records = try serve.logRecords()
        #expect(records.count == 1)
        #expect(records.first?.requestID == requestID)
        #expect(records.first?.modelVersion == "1")
        #expect(records.first?.latencyMS != nil)
        #expect(records.first?.features["plan_type"] == .text("basic"))
        #expect(records.first?.features["tenure_months"] == .number(6))
    }

    @Test func aRequestIDIsKeptAndAnArrayIsABatch() async throws {
        let serve = try await ServeFixture()
        let one = try await serve.client.async(
            "POST", "/predict", body: #"{"request_id": "r-1", "# + ServeFixture.customer.dropFirst())
        #expect(one.status == 200)
        #expect(one.json["request_id"] as? String == "r-1")
        #expect(one.headers["x-request-id"] == "r-1")
        let fromHeader = try await serve.client.async(
            "POST", "/predict", body: ServeFixture.customer, headers: ["X-Request-ID": "from-header"])
        #expect(fromHeader.json["request_id"] as? String == "from-header")
        let batch = try await serve.client.async(
            "POST", "/predict",
            body: "[\(ServeFixture.customer), " + #"{"request_id": "b", "# + ServeFixture.customer.dropFirst() + "]")
        #expect(batch.status == 200)
        let items = batch.jsonArray
        #expect(items.count == 2)
        #expect(items[1]["request_id"] as? String == "b")
        #expect(items[0]["probability"] as? Double == items[1]["probability"] as? Double)
        try await serve.stop()
        #expect(
            try serve.logRecords().map(\.requestID).sorted()
                == ["b", "from-header", "r-1", items[0]["request_id"] as? String ?? "?"].sorted())
    }

    /// Bad input: each gets 422 with one entry per field at fault, never a 500.
    @Test(arguments: [
        (#"{"tenure_months": 6, "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": "basic""#, ["body"]),
        (
            #"{"tenure_months": "six", "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": "basic", "region": "AF"}"#,
            ["body.tenure_months"]
        ),
        (
            #"{"tenure_months": 6, "num_complaints": true, "avg_session_minutes": [1], "plan_type": 3, "region": {}}"#,
            ["body.num_complaints", "body.avg_session_minutes", "body.plan_type", "body.region"]
        ),
        (
            #"{"tenure_months": 6, "avg_session_minutes": 12.5, "plan_type": "basic"}"#,
            ["body.num_complaints", "body.region"]
        ),
        (
            #"{"tenure_months": 6, "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": "basic", "region": "AF", "age": 40}"#,
            ["body.age"]
        ),
        (
            #"{"tenure_months": 900, "num_complaints": -2, "avg_session_minutes": 12.5, "plan_type": "basic", "region": "AF"}"#,
            ["body.tenure_months", "body.num_complaints"]
        ),
        ("", ["body"]),
        ("   \n", ["body"]),
        ("42", ["body"]),
        ("[]", ["body"]),
        (
            #"[{"tenure_months": 6}, 7]"#,
            ["body.0.num_complaints", "body.0.avg_session_minutes", "body.0.plan_type", "body.0.region", "body.1"]
        ),
    ])
    func badInputIsRefusedFieldByField(body: String, locations: [String]) async throws {
        let serve = try await ServeFixture()
        let response = try await serve.client.async("POST", "/predict", body: body)
        #expect(response.status == 422, "\(response.text)")
        let detail = response.json["detail"] as? [[String: Any]] ?? []
        let found = detail.map { entry in
            (entry["loc"] as? [Any] ?? []).map { "\($0)" }.joined(separator: ".")
        }
        #expect(found.sorted() == locations.sorted(), "\(response.text)")
        #expect(detail.allSatisfy { ($0["msg"] as? String)?.isEmpty == false })
        try await serve.stop()
        #expect(try serve.logRecords().isEmpty)
    }

    @Test func outOfRangeSaysWhichBound() async throws {
        let serve = try await ServeFixture()
        let response = try await serve.client.async(
            "POST", "/predict",
            body:
                #"{"tenure_months": 900, "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": "basic", "region": "AF"}"#
        )
        let detail = response.json["detail"] as? [[String: Any]] ?? []
        #expect(detail.first?["msg"] as? String == "above the maximum 200")
        try await serve.stop()
    }

    @Test func categoriesAreNormalisedAndNullIsMissing() async throws {
        let serve = try await ServeFixture()
        let plain = try await serve.client.async("POST", "/predict", body: ServeFixture.customer)
        let shouted = try await serve.client.async(
            "POST", "/predict",
            body:
                #"{"tenure_months": 6, "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": " BASIC ", "region": "af"}"#
        )
        #expect(shouted.status == 200)
        #expect(shouted.json["probability"] as? Double == plain.json["probability"] as? Double)
        let missing = try await serve.client.async(
            "POST", "/predict",
            body:
                #"{"tenure_months": null, "num_complaints": 3, "avg_session_minutes": 12.5, "plan_type": "basic", "region": null}"#
        )
        #expect(missing.status == 200, "\(missing.text)")
        try await serve.stop()
        let logged = try serve.logRecords().last
        #expect(logged?.features["tenure_months"] == .missing)
        #expect(logged?.features["region"] == .missing)
    }

    @Test func withoutAProductionModelPredictAnswers503AndReadyTooButHealthIsLive() async throws {
        let serve = try await ServeFixture(versions: 0)
        let health = try await serve.client.async("GET", "/health")
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")
        #expect(health.json["version"] is NSNull)
        let ready = try await serve.client.async("GET", "/ready")
        #expect(ready.status == 503)
        #expect((ready.json["reason"] as? String)?.contains("no production version") == true)
        let predict = try await serve.client.async("POST", "/predict", body: ServeFixture.customer)
        #expect(predict.status == 503)
        let unknown = try await serve.client.async("GET", "/nope")
        #expect(unknown.status == 404)
        try await serve.stop()
    }

    @Test func healthAndReadyNameTheServingVersion() async throws {
        let serve = try await ServeFixture()
        let health = try await serve.client.async("GET", "/health")
        #expect(health.json["current_model"] as? String == "churn_model@production (v1)")
        #expect(health.json["version"] as? Int == 1)
        let ready = try await serve.client.async("GET", "/ready")
        #expect(ready.status == 200)
        #expect(ready.json["version"] as? Int == 1)
        try await serve.stop()
    }
}
