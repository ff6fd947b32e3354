import ChurnTestKit
import Foundation
import Testing

@testable import ChurnCore

/// An alert needs an effect as well as a p-value: one odd row must not move production.
struct DriftEffectFloorTests {
    /// The reference model of the drift simulation, trained with the lab's normalisation.
    static let model = Result { () throws -> (artifact: ModelArtifact, scorer: Scorer) in
        var config = Config.initial.singleSplit
        config.training.families = [.logisticRegression]
        var data = LabeledData(schema: config.schema)
        try data.append(path: "g", source: MemorySource(try generate(rows: 20_000, seed: 1)), maxMissingFraction: 0)
        let artifact = try Trainer(config: config).train(data, now: 0, elapsed: { 0 }).artifact
        return (artifact, Scorer(artifact: artifact, versionLabel: "1"))
    }

    /// 500 records drawn like the training rows, with the first `count` plan_type values replaced by `value`.
    func window(replacing count: Int, with value: String) throws -> DriftWindow {
        var generator = Generator()
        generator.labeled = false
        var window = DriftSimulation.window(generator, rows: 500, seed: 77, scorer: try Self.model.get().scorer)
        for k in 0..<count { window.categorical["plan_type"]?[k] = value }
        return window
    }

    func check(_ window: DriftWindow, settings: DriftCheck.Settings = Config().drift.checkSettings) throws
        -> DriftCheck.Report
    {
        DriftCheck(settings: settings).run(window, reference: try Self.model.get().artifact.featureStatistics)
    }

    @Test(
        "unseen values alert only when they are a share of rows that matters",
        arguments: [(1, false), (5, false), (50, true)])
    func unseenValues(count: Int, alert: Bool) throws {
        let report = try check(try window(replacing: count, with: "gold"))
        #expect(report.alert == alert, "\(report.reason)")
        let test = try #require(report.tests.first { $0.feature == "plan_type" })
        #expect(test.significant, "the p-value alone would alert: \(test.line)")
        #expect(test.drifted == alert)
        #expect(test.minEffect == 0.05)
        #expect(report.features.first { $0.feature == "plan_type" }?.unseen == count)
        if alert {
            #expect(test.bucket == "<unseen>" && abs(test.effect - 0.1) < 1e-9)
            #expect(report.reason.contains("plan_type level mix changed"), "\(report.reason)")
            #expect(report.reason.contains("largest share change 10.0 % (<unseen>)"), "\(report.reason)")
        } else {
            #expect(report.reason.contains("plan_type level mix has p"), "\(report.reason)")
            #expect(report.reason.contains("is below its floor 5.0 %"), "\(report.reason)")
            #expect(test.line.hasSuffix("(floor 5.0 %): below the floor, no drift"), "\(test.line)")
        }
    }

    @Test func withoutTheFloorOneUnseenValueAlertsAsBefore() throws {
        var settings = Config().drift.checkSettings
        settings.minLevelShareChange = 0
        #expect(try check(try window(replacing: 1, with: "gold"), settings: settings).alert)
    }

    @Test func misCasedValuesInTheLogsAreTheModelsLevels() throws {
        var window = try window(replacing: 0, with: "")
        window.categorical["plan_type"] = window.categorical["plan_type"]?.map { $0.map { " \($0.uppercased())" } }
        let report = try check(window)
        #expect(!report.alert, "\(report.reason)")
        #expect(report.features.first { $0.feature == "plan_type" }?.unseen == 0)
    }

    @Test func aTinyShiftInALargeWindowIsSignificantButBelowTheFloors() throws {
        let reference: [FeatureStatistics] = [
            .numeric(name: "x", values: (0..<100_000).map { Double($0 % 10) }, rows: Array(0..<100_000))
        ]
        // Half the zeros become ones: 5 % of rows move one step, the mean moves by 0.05 (0.017 sd).
        var window = DriftWindow()
        var values: [Double] = []
        for i in 0..<100_000 {
            let moved = i % 10 == 0 && (i / 10) % 2 == 0
            values.append(moved ? 1 : Double(i % 10))
        }
        window.numeric["x"] = values
        window.count = 100_000
        let report = DriftCheck().run(window, reference: reference)
        #expect(!report.alert, "\(report.reason)")
        let mean = try #require(report.tests.first { $0.kind == "mean" })
        let bins = try #require(report.tests.first { $0.kind == "bins" })
        #expect(mean.significant && !mean.drifted && abs(mean.effect - 0.05 / 2.8722813232690143) < 1e-6)
        #expect(bins.significant && !bins.drifted && bins.effect < 0.1 && bins.effect == bins.psi)
        var noFloors = DriftCheck.Settings()
        noFloors.minMeanShift = 0
        noFloors.minBinPSI = 0
        #expect(DriftCheck(settings: noFloors).run(window, reference: reference).alert)
    }

    @Test func theReportPageShowsEffectsAndFloors() throws {
        let report = try check(try window(replacing: 50, with: "gold"))
        let lines = LogLineCounts(
            read: 520, used: 500, version: "1", attributedByTime: 0, usable: ["1": 500], skipped: ["not JSON": 20])
        let html = DriftReportPage(
            report: report, decision: "none", checkedAt: "now", modelVersion: "1", lines: lines
        ).html()
        #expect(html.contains("520 log lines read: 500 used for v1, 20 skipped"))
        #expect(html.contains("skipped 20 log lines: not JSON"))
        #expect(html.contains("<th class=num>effect</th><th class=num>floor</th>"))
        #expect(html.contains("largest share change 10.0 % (&lt;unseen&gt;)"))
        #expect(html.contains("≥ 5.0 %") && html.contains("≥ 0.10 sd") && html.contains("≥ 0.100"))
        #expect(html.contains("50 values unseen in training"))
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"effect\"") && json.contains("\"minEffect\":0.05"))
    }
}
