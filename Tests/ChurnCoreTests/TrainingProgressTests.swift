import Testing

@testable import ChurnCore

/// Training reports where it is through the callback it is given: rows read, the split encoded, each family, each
/// solver pass and boosting round.
struct TrainingProgressTests {
    @Test func readingReportsTheRowsHeldEvery65536Rows() throws {
        var reported: [Int] = []
        var data = LabeledData(schema: .reference)
        try data.append(
            path: "gen", source: MemorySource(try generate(Generator(), rows: 140_000, seed: 1)),
            maxMissingFraction: 0, progress: { reported.append($0) })
        #expect(reported == [65_536, 131_072])
        #expect(data.count == 140_000)
    }

    @Test func trainingReportsEachFamilyAndEveryBoostingRound() throws {
        let data = try ModelSelectionTests.data(rows: 2000, seed: 8, interaction: false)
        var config = ModelSelectionTests.config()
        config.xgboost.rounds = 12
        config.xgboost.earlyStoppingRounds = 0
        var reports: [TrainingProgress] = []
        _ = try Trainer(config: config).train(data, now: 0, elapsed: { 0 }, progress: { reports.append($0) })

        #expect(reports.allSatisfy { $0.rows == 2000 })
        // Every step before the families reports (a beat for the daemon's watchdog): preprocessing, encoding each
        // split, and each feature's statistics (5 features); then each family when it starts, after fitting and
        // after choosing its threshold.
        let steps = 1 + 3 + 5
        #expect(reports.prefix(steps).allSatisfy { $0.family == nil } && reports[steps].family == "logistic_regression")
        let familyReports = ["logistic_regression", "xgboost"].flatMap { Array(repeating: Optional($0), count: 3) }
        #expect(reports.filter { $0.round == nil }.map(\.family) == Array(repeating: nil, count: steps) + familyReports)
        let passes = reports.filter { $0.family == "logistic_regression" }.compactMap(\.round)
        #expect(!passes.isEmpty && passes == Array(1...passes.count))
        let rounds = reports.filter { $0.family == "xgboost" }.compactMap(\.round)
        #expect(rounds == Array(1...12))
        #expect(reports.last(where: { $0.round != nil })?.description == "2,000 rows · xgboost round 12 of at most 12")
    }

    @Test(arguments: [
        (TrainingProgress(rows: 320_000), "read 320,000 rows"),
        (TrainingProgress(rows: 560_000, family: "logistic_regression"), "560,000 rows · logistic_regression"),
        (
            TrainingProgress(rows: 560_000, family: "logistic_regression", round: 3),
            "560,000 rows · logistic_regression pass 3"
        ),
        (
            TrainingProgress(rows: 560_000, family: "xgboost", round: 37, maxRounds: 300),
            "560,000 rows · xgboost round 37 of at most 300"
        ),
    ])
    func progressReadsAsALine(progress: TrainingProgress, line: String) {
        #expect(progress.description == line)
    }

    @Test func throttleLetsOneReportThroughPerInterval() {
        var fromStart = ProgressThrottle(interval: 10, startingAt: 100)
        #expect([105.0, 109.9, 110, 115, 120.5].map { fromStart.isDue(at: $0) } == [false, false, true, false, true])
        var atOnce = ProgressThrottle(interval: 0.2)
        #expect([0.0, 0.1, 0.25].map { atOnce.isDue(at: $0) } == [true, false, true])
    }
}
