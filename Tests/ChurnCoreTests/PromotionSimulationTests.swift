import ChurnTestKit
import Foundation
import Testing

@testable import ChurnCore

/// How often the promotion rule swaps champions when nothing really changed (two models trained on
/// different draws of the same 1,200-row distribution), and how often it lets a real improvement through.
/// Prints the table quoted in the README; `CHURND_SIMULATION_SEEDS` sets the number of seeds (default 200).
struct PromotionSimulationTests {
    static let seeds = Int(ProcessInfo.processInfo.environment["CHURND_SIMULATION_SEEDS"] ?? "") ?? 200

    static func data(rows: Int, seed: UInt64) throws -> LabeledData {
        var bytes: [UInt8] = []
        var writer = ByteWriter { bytes.append(contentsOf: $0) }
        try Generator().write(rows: rows, seed: seed, to: &writer)
        try writer.flush()
        var data = LabeledData(schema: .reference)
        try data.append(path: "gen-\(seed).csv", source: MemorySource(bytes), maxMissingFraction: 0.05)
        return data
    }

    /// A champion trained on 1,200 rows, and a candidate on `candidateRows` rows of a fresh draw, judged on the
    /// candidate's test rows: what each rule decides.
    struct Trial {
        var gain: Double
        var candidateF1: Double
        var rows: Int
        var decisions: [String: Bool]
    }

    static let rules: [(name: String, minGain: Double, confidence: Double)] = [
        ("gain > 0 (no rule)", 0, 0),
        ("gain ≥ 0.005 only", 0.005, 0),
        ("bootstrap 90% only", 0, 0.90),
        ("gain ≥ 0.005 + 90% (default)", 0.005, 0.90),
        ("gain ≥ 0.005 + 95%", 0.005, 0.95),
        ("gain ≥ 0.01 + 90%", 0.01, 0.90),
    ]

    static func trial(seed: UInt64, candidateRows: Int) throws -> Trial {
        // The rule is measured on the reference family, so 400 fits stay quick and the numbers stay comparable.
        var config = Config().singleSplit
        config.training.families = [.logisticRegression]
        let trainer = Trainer(config: config)
        let championData = try data(rows: 1200, seed: 100_000 + 2 * seed)
        let candidateData = try data(rows: candidateRows, seed: 100_001 + 2 * seed)
        let champion = try trainer.train(championData, now: 0, elapsed: { 0 })
        let candidate = try trainer.train(candidateData, now: 0, elapsed: { 0 })
        let rows = candidate.split.test
        let labels = rows.map { candidateData.labels[$0] }
        let artifact = champion.artifact
        let championPredictions = PromotionPolicy.Predictions(
            probabilities: try #require(try artifact.predict(candidateData, rows: rows)),
            threshold: artifact.threshold)
        let candidatePredictions = PromotionPolicy.Predictions(
            probabilities: candidate.testProbabilities, threshold: candidate.artifact.threshold)
        // One bootstrap per trial (same seed for every rule); each rule then applies its thresholds the way
        // `PromotionPolicy.judge` does.
        let policy = PromotionPolicy(config: config)
        let verdict = policy.judge(labels: labels, candidate: candidatePredictions, champion: championPredictions)
        let gain = verdict.gain ?? 0
        let share = verdict.winShare ?? 0
        var decisions: [String: Bool] = [:]
        for rule in rules {
            decisions[rule.name] =
                verdict.candidateF1 >= policy.gateF1 && gain > 0 && gain >= rule.minGain - 1e-12
                && share >= rule.confidence
        }
        if verdict.decision == .promoted {
            assert(decisions["gain ≥ 0.005 + 90% (default)"] == true, "the default rule matches the policy")
        }
        return Trial(gain: gain, candidateF1: candidate.artifact.metrics.f1, rows: labels.count, decisions: decisions)
    }

    static func table(_ trials: [Trial], title: String) -> [String: Double] {
        var rates: [String: Double] = [:]
        var text = "\n\(title) (\(trials.count) seeds, \(trials.first?.rows ?? 0) candidate test rows)\n"
        for rule in rules {
            let rate = Double(trials.filter { $0.decisions[rule.name] == true }.count) / Double(trials.count)
            rates[rule.name] = rate
            text +=
                "  \(rule.name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(NumberFormat.fixed(rate * 100, 1))%\n"
        }
        let gains = trials.map(\.gain).sorted()
        text +=
            "  observed F1 gain: median \(NumberFormat.fixed(gains[gains.count / 2], 4)), "
            + "5%–95% \(NumberFormat.fixed(gains[gains.count / 20], 4)) … \(NumberFormat.fixed(gains[gains.count * 19 / 20], 4))\n"
        print(text)
        return rates
    }

    @Test func noiseRarelySwapsChampionsWithTheDefaultRule() throws {
        let trials = try (0..<Self.seeds).map { try Self.trial(seed: UInt64($0), candidateRows: 1200) }
        let rates = Self.table(trials, title: "same distribution: candidate 1,200 rows vs champion 1,200 rows")
        let naive = try #require(rates["gain > 0 (no rule)"])
        let policy = try #require(rates["gain ≥ 0.005 + 90% (default)"])
        #expect(naive > 0.3, "without a rule, noise alone should swap often")
        #expect(policy < 0.2, "the default rule should keep noise from swapping champions")
        #expect(policy < naive / 3)
    }

    @Test func moreDataIsOftenWorthAPromotion() throws {
        let seeds = max(10, Self.seeds / 10)
        let trials = try (0..<seeds).map { try Self.trial(seed: UInt64($0), candidateRows: 20_000) }
        let rates = Self.table(trials, title: "better data: candidate 20,000 rows vs champion 1,200 rows")
        let policy = try #require(rates["gain ≥ 0.005 + 90% (default)"])
        let noise = try #require(rates["gain > 0 (no rule)"])
        #expect(policy <= noise)
    }
}
