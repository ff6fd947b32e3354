import ChurnCore
import ChurnServe
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

/// The served version follows `production` whoever moves it; shadow and A/B apply per request.
@Suite(.serialized)
struct FollowTests {
    @Test func aMoveByAnotherRegistryHandleIsServedWithinASecond() async throws {
        let serve = try await ServeFixture(versions: 2)
        let first = try await serve.client.async("POST", "/predict", body: ServeFixture.customer)
        #expect(first.json["model_version"] as? String == "1")
        // Another process's view of the registry (as the CLI opens it).
        let other = try ModelLifecycle(root: serve.dir.path, config: serve.config)
        _ = try other.promote(version: 2, actor: .user("test"))
        let moved = Date()
        var version = "1"
        while version == "1", Date().timeIntervalSince(moved) < 5 {
            let response = try await serve.client.async("POST", "/predict", body: ServeFixture.customer)
            #expect(response.status == 200)
            version = response.json["model_version"] as? String ?? "?"
        }
        #expect(version == "2")
        #expect(Date().timeIntervalSince(moved) < 1.5)
        try await serve.stop()
    }

    @Test func theChallengerShadowsEveryPredictionInTheLog() async throws {
        let serve = try await ServeFixture(versions: 2) { $0.shadow.enabled = true }
        #expect(serve.server.models.current?.challenger?.version == 2)
        let response = try await serve.client.async(
            "POST", "/predict", body: #"{"request_id": "s-1", "# + ServeFixture.customer.dropFirst())
        #expect(response.json["model_version"] as? String == "1")
        try await serve.stop()
        let records = try serve.logRecords()
        #expect(records.count == 2)
        #expect(records.first { $0.alias == nil }?.modelVersion == "1")
        let shadow = try #require(records.first { $0.alias == AliasName.challenger })
        #expect(shadow.modelVersion == "2")
        #expect(shadow.requestID == "s-1")
    }

    @Test func abServingSplitsByCustomerIDHash() async throws {
        let serve = try await ServeFixture(versions: 2) {
            $0.shadow.enabled = false
            $0.shadow.serveFraction = 0.5
        }
        var versions: [String: String] = [:]
        for i in 0..<40 {
            let body = #"{"customer_id": "C\#(i)", "# + ServeFixture.customer.dropFirst()
            let response = try await serve.client.async("POST", "/predict", body: body)
            #expect(response.status == 200, "\(response.text)")
            versions["C\(i)"] = response.json["model_version"] as? String
            let split = ServingSplit(
                challenger: try #require(serve.server.models.current?.challenger?.scorer), fraction: 0.5)
            #expect(versions["C\(i)"] == (split.servesChallenger(id: "C\(i)") ? "2" : "1"))
            #expect(response.json["alias"] as? String == (versions["C\(i)"] == "2" ? "challenger" : "production"))
        }
        #expect(Set(versions.values) == ["1", "2"])
        try await serve.stop()
        #expect(try serve.logRecords().count == 40)
    }
}
