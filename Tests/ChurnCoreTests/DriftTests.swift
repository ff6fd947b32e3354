import Testing

@testable import ChurnCore

struct DistributionsTests {
    @Test(
        "chi-squared tail matches tables",
        arguments: [
            (3.841458820694124, 1, 0.05), (6.6348966010212145, 1, 0.01), (11.070497693516351, 5, 0.05),
            (21.665994333461924, 9, 0.01), (0.0, 3, 1.0), (100.0, 4, 1.2e-20),
        ])
    func chiSquared(x: Double, degrees: Int, expected: Double) {
        let p = Distributions.chiSquaredSurvival(x, degrees: degrees)
        #expect(abs(p - expected) <= expected * 0.02 + 1e-12, "\(p)")
    }

    @Test func normalTwoSidedTail() {
        #expect(abs(Distributions.normalTwoSided(1.959963984540054) - 0.05) < 1e-9)
        #expect(abs(Distributions.normalTwoSided(-2.5758293035489) - 0.01) < 1e-9)
    }
}

struct PValueFormatTests {
    @Test(arguments: [
        (0.034, "0.034"), (0.001, "0.001"), (0.000_96, "0.001"), (0.000_999_9, "0.001"), (0.000_857, "9e-4"),
        (0.000_095_5, "1e-4"), (3.2e-9, "3e-9"), (0.0, "<1e-300"),
    ])
    func smallPValuesPrintWithOneSignificantDigitAndNeverTen(p: Double, expected: String) {
        #expect(formatP(p) == expected)
    }
}

struct DriftCheckTests {
    static let reference: [FeatureStatistics] = [
        .numeric(name: "x", values: (0..<1000).map { Double($0 % 10) }, rows: Array(0..<1000)),
        .categorical(name: "c", codes: (0..<1000).map { Int32($0 % 2) }, levels: ["a", "b"], rows: Array(0..<1000)),
    ]

    func window(x: [Double], c: [String?]) -> DriftWindow {
        var window = DriftWindow()
        window.numeric["x"] = x
        window.categorical["c"] = c
        window.count = max(x.count, c.count)
        return window
    }

    @Test func tooFewRecordsIsNotEnoughDataAndNoAlert() {
        let report = DriftCheck().run(window(x: [1, 2, 3], c: ["a"]), reference: Self.reference)
        #expect(!report.enoughData)
        #expect(!report.alert)
        #expect(report.reason.contains("not enough data"))
    }

    /// A log line may carry any JSON number: the check reports on it instead of stopping the process.
    /// (Infinities and NaN cannot come from a JSON line; they stand for statistics that overflow.)
    @Test(arguments: [1e300, -1e308, 9.3e15, .infinity, -.infinity, .nan])
    func hugeValuesAreReportedNotFatal(value: Double) {
        // Both signs: the sums overflow.
        let values: [Double] = (0..<500).map { (k: Int) -> Double in
            switch k % 50 {
            case 0: value
            case 25: -value
            default: Double(k % 10)
            }
        }
        let levels: [String?] = (0..<500).map { $0 % 2 == 0 ? "a" : "b" }
        let report = DriftCheck().run(window(x: values, c: levels), reference: Self.reference)
        // Before, formatting these figures trapped (`Int(1e302)`, `Int(log10(.nan))`) and took the daemon down.
        #expect(report.tests.allSatisfy { !$0.line.isEmpty } && !report.reason.isEmpty)
        let page = DriftReportPage(
            report: report, decision: "none", checkedAt: "now", modelVersion: "1",
            lines: LogLineCounts(read: 500, used: 500, version: "1", attributedByTime: 0, usable: [:], skipped: [:]))
        #expect(page.html().contains("</html>"))
    }

    @Test func aWindowLikeTrainingDoesNotAlert() {
        let report = DriftCheck().run(
            window(x: (0..<500).map { Double($0 % 10) }, c: (0..<500).map { $0 % 2 == 0 ? "a" : "b" }),
            reference: Self.reference)
        #expect(report.enoughData)
        #expect(!report.alert, "\(report.reason)")
    }

    @Test func unseenCategoriesCountAsTheirOwnBucketAndDriveDrift() {
        let report = DriftCheck().run(
            window(
                x: (0..<500).map { Double($0 % 10) },
                c: (0..<500).map { $0 % 3 == 0 ? "zz" : ($0 % 2 == 0 ? "a" : "b") }),
            reference: Self.reference)
        #expect(report.alert)
        let c = report.features.first { $0.feature == "c" }!
        #expect(c.buckets.contains("<unseen>"))
        #expect(report.reason.contains("c level mix changed"))
    }

    @Test func aFeatureConstantInTrainingIsHandledWithoutDividingByZero() {
        let constant = FeatureStatistics.numeric(
            name: "k", values: Array(repeating: 3.0, count: 100), rows: Array(0..<100))
        var same = DriftWindow()
        same.numeric["k"] = Array(repeating: 3.0, count: 200)
        same.count = 200
        #expect(!DriftCheck().run(same, reference: [constant]).alert)
        var moved = same
        moved.numeric["k"] = Array(repeating: 4.0, count: 200)
        let report = DriftCheck().run(moved, reference: [constant])
        #expect(report.alert)
        #expect(report.tests.allSatisfy { !$0.pValue.isNaN })
    }

    @Test func theReferenceZScoreRuleStillAlertsOnLargeShifts() {
        var check = DriftCheck.Settings()
        check.familyAlpha = 1e-300  // only the reference rule can fire
        let report = DriftCheck(settings: check).run(
            window(x: Array(repeating: 20.0, count: 300), c: Array(repeating: "a", count: 300)),
            reference: Self.reference)
        #expect(report.alert)
        #expect(report.reason.contains("reference z"))
    }
}

/// The committed simulation: false alarms ≤ 1 % on windows from the training distribution and
/// detection ≥ 95 % for each shift, at last_n = 500. Fixed seeds: the rates repeat exactly.
struct DriftSimulationTests {
    @Test func falseAlarmsAreRareAndShiftsAreDetected() throws {
        let rates = try DriftSimulation().run(windows: 300, seed: 7)
        let null = rates[0]
        #expect(null.rate <= 0.01, "false alarms \(null.alerts) of \(null.windows)")
        for rate in rates.dropFirst() {
            #expect(rate.rate >= 0.95, "\(rate.scenario): detected \(rate.alerts) of \(rate.windows)")
            // The reference rule alone misses these shifts, which is why the tests above exist.
            #expect(rate.referenceAlerts == 0)
        }
    }
}
