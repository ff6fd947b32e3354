import ChurnTestKit
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `GET /metrics` and `GET /` of a spawned `churnd run`: the Prometheus text the real process serves, its counts
/// moving after requests and after a file is scored, and the dashboard page loaded from the server by headless
/// Chromium.
@Suite(.serialized)
struct HTTPMetricsDaemonTests {
    @Test func metricsCountRequestsAndScoredFiles() throws {
        let fixture = try DaemonFixture()
        let daemon = try fixture.start()
        let client = HTTPClient(port: try HTTPDaemonTests.port(daemon.log))
        let before = try Self.metrics(client)
        // The production version is served and exported as a gauge.
        #expect(before.value("churnd_serving_version", ["alias": "production"]) == 1)
        #expect(before.types["churnd_file_scoring_seconds"] == "histogram")

        // Three good predictions, one refused (a wrong type), one malformed body.
        for _ in 0..<3 {
            #expect(try client.request("POST", "/predict", body: HTTPDaemonTests.customer).status == 200)
        }
        let refused = HTTPDaemonTests.customer.replacingOccurrences(
            of: "\"num_complaints\": 3", with: "\"num_complaints\": \"three\"")
        #expect(try client.request("POST", "/predict", body: refused).status == 422)
        #expect(try client.request("POST", "/predict", body: "{\"tenure_months\": ").status == 422)
        let afterRequests = try Self.metrics(client)
        #expect(afterRequests.types["churnd_http_requests_total"] == "counter")
        #expect(afterRequests.types["churnd_http_request_seconds"] == "histogram")
        func requests(_ text: MetricsText, _ status: String) -> Double {
            text.value("churnd_http_requests_total", ["route": "/predict", "status": status]) ?? 0
        }
        #expect(requests(afterRequests, "200") - requests(before, "200") == 3)
        #expect(requests(afterRequests, "422") - requests(before, "422") == 2)
        let latencyCount = { (text: MetricsText) in
            text.value("churnd_http_request_seconds_count", ["route": "/predict"]) ?? 0
        }
        #expect(latencyCount(afterRequests) - latencyCount(before) == 5)
        // The request before this one (the first GET /metrics) is counted too.
        #expect((afterRequests.value("churnd_http_requests_total", ["route": "/metrics", "status": "200"]) ?? 0) >= 1)

        // A file dropped into the inbox moves the file and row counters and the latency histogram.
        #expect(afterRequests.value("churnd_files_scored_total") ?? 0 == 0)
        try dropFile("\(fixture.root)/inbox/a.csv", try DaemonFixture.unlabeled(rows: 250))
        try eventually("the file is scored", timeout: 30) { fixture.scored().count == 1 }
        var afterFile = afterRequests
        try eventually("the metrics count the scored file", timeout: 10) {
            afterFile = try Self.metrics(client)
            return afterFile.value("churnd_files_scored_total") == 1
        }
        #expect(afterFile.value("churnd_rows_scored_total") == 250)
        #expect(afterFile.value("churnd_file_scoring_seconds_count") == 1)
        #expect((afterFile.value("churnd_file_scoring_seconds_sum") ?? 0) > 0)
        // Served predictions are not file rows: the HTTP counts stay where they were.
        #expect(requests(afterFile, "200") == requests(afterRequests, "200"))
        #expect(try daemon.stop() == 0)
    }

    /// The dashboard as an operator opens it: from the running daemon over HTTP (with its Content-Security-Policy
    /// header in force), rendered by headless Chromium.
    @Test func headlessChromiumLoadsTheDashboardFromTheDaemon() throws {
        let chromium = try Chromium()
        let fixture = try HTTPDaemonTests.twoVersions()
        let daemon = try fixture.start()
        let port = try HTTPDaemonTests.port(daemon.log)
        let client = HTTPClient(port: port)
        try dropFile("\(fixture.root)/inbox/a.csv", try DaemonFixture.unlabeled(rows: 100))
        try dropFile("\(fixture.root)/inbox/b.csv", "not,a,churn,file\n1,2,3,4\n")
        try eventually("a file scored and one quarantined", timeout: 30) {
            fixture.scored().count == 1 && fixture.count("state/quarantine") >= 1
        }
        let page = try client.request("GET", "/")
        #expect(page.status == 200)
        let policy = page.headers.first { $0.key.lowercased() == "content-security-policy" }?.value ?? ""
        #expect(policy.hasPrefix("default-src 'none'"))

        let dom = try chromium.dumpDOM("http://127.0.0.1:\(port)/")
        #expect(dom.contains("Serving v1 (production) since "), "\(dom.prefix(2000))")
        #expect(dom.contains("<td>v1</td>") && dom.contains("<td>v2</td>"))
        #expect(dom.contains("Recent training runs"))
        #expect(dom.contains("1 files scored · 1 files quarantined"))
        // Charts are inline SVG the browser kept: the inbox throughput bars at least.
        #expect(dom.contains("<svg "))
        #expect(dom.contains("<rect class=\"bar\""))
        // Nothing outside the page: no script, no external resource.
        for forbidden in ["<script", "src=", "href="] { #expect(!dom.contains(forbidden)) }

        let png = "\(fixture.root)/dashboard.png"
        try chromium.screenshot("http://127.0.0.1:\(port)/", to: png, height: 1600)
        let bytes = try #require(FileManager.default.contents(atPath: png))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // The browser's requests were answered by the daemon (page and screenshot: two GET /).
        let metrics = try Self.metrics(client)
        #expect((metrics.value("churnd_http_requests_total", ["route": "/", "status": "200"]) ?? 0) >= 3)
        #expect(try daemon.stop() == 0)
    }

    static func metrics(_ client: HTTPClient) throws -> MetricsText {
        let response = try client.request("GET", "/metrics")
        guard response.status == 200 else { throw WaitFailure(message: "GET /metrics: \(response.status)") }
        let type = response.headers.first { $0.key.lowercased() == "content-type" }?.value ?? ""
        guard type.hasPrefix("text/plain") else { throw WaitFailure(message: "GET /metrics content type \(type)") }
        return try MetricsText(response.text)
    }
}
