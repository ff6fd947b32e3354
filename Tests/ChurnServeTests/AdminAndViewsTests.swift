import ChurnCore
import ChurnServe
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

/// The registry views answer what the CLI's `--json` prints; alias moves need a token from the token file.
@Suite(.serialized)
struct AdminAndViewsTests {
    @Test func withoutATokenFileAdminRoutesAre403() async throws {
        let serve = try await ServeFixture(versions: 2)
        let response = try await serve.client.async(
            "POST", "/aliases/production", body: #"{"version": 2}"#, headers: ["Authorization": "Bearer x"])
        #expect(response.status == 403)
        let rollback = try await serve.client.async("POST", "/rollback", body: "{}")
        #expect(rollback.status == 403)
        #expect(try serve.lifecycle.servingVersion() == 1)
        try await serve.stop()
    }

    @Test func noTokenAndAWrongTokenAre401AndTheRightOneMovesTheAliasAsTheCLIDoes() async throws {
        let serve = try await ServeFixture(versions: 2) { config in config.http.adminTokenFile = "tokens" }
        _ = try serve.dir.write("tokens", "# operators\nops:s3cret-token\nci:other-token\n")
        let none = try await serve.client.async("POST", "/aliases/production", body: #"{"version": 2}"#)
        #expect(none.status == 401)
        #expect(none.headers["www-authenticate"] == "Bearer")
        let wrong = try await serve.client.async(
            "POST", "/aliases/production", body: #"{"version": 2}"#, headers: ["Authorization": "Bearer s3cret-tokex"])
        #expect(wrong.status == 401)
        #expect(try serve.lifecycle.servingVersion() == 1)
        let right = try await serve.client.async(
            "POST", "/aliases/production", body: #"{"version": 2, "reason": "canary looked good"}"#,
            headers: ["Authorization": "Bearer s3cret-token"])
        #expect(right.status == 200, "\(right.text)")
        let event = right.json["event"] as? [String: Any] ?? [:]
        #expect(event["actor"] as? String == "http:ops")
        #expect(event["reason"] as? String == "canary looked good")
        #expect(event["from"] as? Int == 1 && event["to"] as? Int == 2)
        #expect(try serve.lifecycle.servingVersion() == 2)
        let audit = try #require(try serve.lifecycle.history(alias: AliasName.production).first)
        #expect(audit.actor == AuditActor("http:ops"))
        // The next request is scored by the new version.
        let predicted = try await serve.client.async("POST", "/predict", body: ServeFixture.customer)
        #expect(predicted.json["model_version"] as? String == "2")

        let unknown = try await serve.client.async(
            "POST", "/aliases/production", body: #"{"version": 9}"#, headers: ["Authorization": "Bearer other-token"])
        #expect(unknown.status == 404)
        let rollback = try await serve.client.async(
            "POST", "/rollback", body: "", headers: ["Authorization": "Bearer other-token"])
        #expect(rollback.status == 200, "\(rollback.text)")
        #expect((rollback.json["event"] as? [String: Any])?["actor"] as? String == "http:ci")
        #expect(try serve.lifecycle.servingVersion() == 1)
        try await serve.stop()
    }

    @Test func viewsAnswerTheCLIsJSON() async throws {
        let serve = try await ServeFixture(versions: 2)
        let models = try await serve.client.async("GET", "/models")
        #expect(models.status == 200)
        let expected = try JSONEncoder.readable().encode(try RegistryViews.models(serve.lifecycle))
        #expect(models.body == Array(expected))
        #expect((models.json["versions"] as? [Any])?.count == 2)
        let one = try await serve.client.async("GET", "/models/2")
        #expect(one.json["version"] as? Int == 2)
        #expect(try await serve.client.async("GET", "/models/7").status == 404)
        #expect(try await serve.client.async("GET", "/models/x").status == 400)
        let runs = try await serve.client.async("GET", "/runs?limit=1")
        #expect((runs.json["runs"] as? [Any])?.count == 1)
        #expect(try await serve.client.async("GET", "/runs?limit=0").status == 400)
        let history = try await serve.client.async("GET", "/history?alias=production")
        #expect((history.json["events"] as? [[String: Any]])?.first?["to"] as? Int == 1)
        #expect(try await serve.client.async("GET", "/history?alias=no%20such").status == 400)
        let noDrift = try await serve.client.async("GET", "/drift/latest")
        #expect(noDrift.status == 404)
        try await serve.stop()
    }
}
