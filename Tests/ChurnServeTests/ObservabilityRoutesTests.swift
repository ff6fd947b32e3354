import ChurnCore
import ChurnServe
import ChurnStore
import ChurnTestKit
import Foundation
import Testing

/// `GET /metrics` and `GET /` over real HTTP: the Prometheus text counts the requests the server answered, by
/// route pattern and status, and the dashboard comes with its Content-Security-Policy.
@Suite(.serialized)
struct ObservabilityRoutesTests {
    @Test func metricsCountRequestsByRouteAndTheDashboardIsServedWithItsPolicy() async throws {
        _ = MetricsExport.bootstrap()
        let serve = try await ServeFixture(versions: 2)
        let before = try await serve.client.async("GET", "/metrics")
        #expect(before.status == 200)
        #expect(before.headers["content-type"] == MetricsExport.contentType)
        let value = { (text: String, series: String) -> Double? in
            let line = text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            return line.flatMap { Double($0.dropFirst(series.count + 1)) }
        }
        let count = { (text: String, route: String, status: Int) -> Double in
            value(text, "churnd_http_requests_total{route=\"\(route)\",status=\"\(status)\"}") ?? 0
        }
        for _ in 0..<3 { #expect(try await serve.client.async("GET", "/models/1").status == 200) }
        #expect(try await serve.client.async("GET", "/models/7").status == 404)
        #expect(try await serve.client.async("POST", "/predict", body: ServeFixture.customer).status == 200)

        let after = try await serve.client.async("GET", "/metrics")
        // Counted by the route's pattern, not the path asked for.
        #expect(count(after.text, "/models/{version}", 200) - count(before.text, "/models/{version}", 200) == 3)
        #expect(count(after.text, "/models/{version}", 404) - count(before.text, "/models/{version}", 404) == 1)
        #expect(count(after.text, "/predict", 200) - count(before.text, "/predict", 200) == 1)
        #expect(value(after.text, "churnd_serving_version{alias=\"production\"}") == 1, "\(after.text)")

        let page = try await serve.client.async("GET", "/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == DashboardPage.contentType)
        #expect(page.headers["content-security-policy"] == DashboardPage.contentSecurityPolicy)
        #expect(page.text.contains("<svg") && page.text.contains("Serving v1"))
        #expect(!page.text.contains("<script"))
        try await serve.stop()
    }
}
