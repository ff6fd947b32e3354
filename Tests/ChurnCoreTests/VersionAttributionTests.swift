import Testing

@testable import ChurnCore

/// Prediction-log lines that name no version number (what the Python lab's API and other services write) are
/// attributed to the version their alias pointed to at the line's ts; the rest are counted by reason.
struct VersionAttributionTests {
    /// production: v1 from t=100, v2 from t=200, rolled back to v1 at t=300; challenger v2 from t=150.
    static let attribution = VersionAttribution(
        model: "churn_model",
        moves: [
            .init(alias: "production", at: 300, version: 1), .init(alias: "production", at: 100, version: 1),
            .init(alias: "challenger", at: 150, version: 2), .init(alias: "production", at: 200, version: 2),
        ])

    @Test(
        "a model_version at a ts names a version or a reason",
        arguments: [
            ("3", 0.0, "v3"),
            ("models:/churn_model@production", 150, "v1"),
            ("models:/churn_model@production", 200, "v2"),
            ("models:/churn_model@production", 299.9, "v2"),
            ("models:/churn_model@production", 350, "v1"),
            ("models:/churn_model@champion", 250, "v2"),
            ("models:/churn_model@challenger", 160, "v2"),
            ("models:/churn_model/3", 0, "v3"),
            ("models:/churn_model/Production", 250, "v2"),
            ("model_v2.pkl", 250, "v2"),
            ("", 250, "v2"),
            ("models:/churn_model@production", 50, "no version was at production at the line's ts"),
            ("model_v2.pkl", 0, "model_version is not a version number and the line has no ts"),
            ("models:/other_model/3", 250, "model_version names another model (other_model)"),
            ("models:/churn_model/Staging", 250, "model_version names stage Staging, which churnd does not map"),
            ("models:/churn_model@staging", 250, "no version was at staging at the line's ts"),
        ])
    func attribution(modelVersion: String, ts: Double, expected: String) {
        switch Self.attribution.version(of: modelVersion, at: ts) {
        case .success(let version): #expect("v\(version)" == expected)
        case .failure(let failure): #expect(failure.description == expected)
        }
    }

    static func labLine(_ modelVersion: String?, ts: Double?, complaints: Int = 3) -> String {
        let version = modelVersion.map { "\"model_version\": \"\($0)\", " } ?? ""
        let time = ts.map { ", \"ts\": \($0)" } ?? ""
        return "{\"request_id\": \"4f1c\", \(version)\"prediction\": 0, \"probability\": 0.734512, "
            + "\"latency_ms\": 1.2, \"features\": {\"tenure_months\": 12, \"num_complaints\": \(complaints), "
            + "\"avg_session_minutes\": 12.5, \"plan_type\": \"basic\", \"region\": \"AF\"}\(time)}"
    }

    @Test func labLinesCountForTheVersionServingThenAndTheRestAreSkippedByReason() {
        var windows = PredictionWindows(schema: .reference, capacity: 100, attribution: Self.attribution)
        for _ in 0..<3 { windows.ingest(line: Self.labLine("models:/churn_model@production", ts: 250)) }
        windows.ingest(line: Self.labLine("model_v2.pkl", ts: 250))
        windows.ingest(line: Self.labLine(nil, ts: 350))
        windows.ingest(line: Self.labLine("models:/churn_model/2", ts: nil))
        windows.ingest(line: Self.labLine("models:/churn_model@production", ts: 50))
        windows.ingest(line: Self.labLine(nil, ts: nil))
        windows.ingest(line: Self.labLine("models:/fraud/1", ts: 250))
        windows.ingest(line: "not json")

        #expect(windows.window(version: "2").count == 5)
        #expect(windows.window(version: "1").count == 1)
        let counts = windows.counts(version: "2", used: 5)
        #expect(counts.read == 10 && counts.used == 5 && counts.skippedTotal == 4 && counts.attributedByTime == 5)
        #expect(
            counts.skipped == [
                "no version was at production at the line's ts": 1,
                "model_version is not a version number and the line has no ts": 1,
                "model_version names another model (fraud)": 1, "not JSON": 1,
            ])
        #expect(
            counts.summary
                == "10 log lines read: 5 used for v2, 1 not used (other versions, shadow lines or older than the "
                + "window), 4 skipped; 5 attributed to a version by their ts")
        #expect(
            counts.skippedLines.first
                == "skipped 1 log line: model_version is not a version number and the line has no ts")
        #expect(counts.warning == nil)
    }

    @Test(
        "a check with little or nothing usable says why",
        arguments: [
            (0, 0, [:], [:], "no prediction log lines to read (churnd reads *.log and *.jsonl in watch/logs)"),
            (
                4, 0, [:], ["not JSON": 4],
                "none of the 4 log lines could be used: every one was skipped (reasons above)"
            ),
            (
                5, 0, ["1": 5], [:],
                "none of the 5 usable log lines is a prediction of v2 (lines per version: v1 5)"
            ),
            (10, 4, ["2": 4], ["not JSON": 6], "most log lines were skipped (6 of 10); reasons above"),
        ] as [(Int, Int, [String: Int], [String: Int], String)])
    func warnings(read: Int, used: Int, usable: [String: Int], skipped: [String: Int], warning: String) {
        let counts = LogLineCounts(
            read: read, used: used, version: "2", attributedByTime: 0, usable: usable, skipped: skipped)
        #expect(counts.warning == warning)
    }

    @Test func aCheckThatUsesMostLinesDoesNotWarn() {
        let counts = LogLineCounts(
            read: 10, used: 6, version: "2", attributedByTime: 0, usable: ["2": 6], skipped: ["not JSON": 4])
        #expect(counts.warning == nil)
    }
}
